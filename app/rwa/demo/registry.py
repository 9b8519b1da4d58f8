"""`aurigraph demo`: a small, realistic registry a newcomer can explore.

One issuer, three assets of different classes (an office building, a green bond, a gold pool), thirteen
investors in eleven countries (twelve verified, one still pending), issues, transfers (some refused, as
a real register refuses them), a partial and a full freeze, a forced transfer under a court order, a
wallet recovery, documents for every asset, and API keys for the issuer, an agent and an auditor.
Everything is written in one transaction; refused transfers run in a savepoint each, so they leave no
trace. A second run finds the demo issuer and changes nothing (AlreadySeeded)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.rwa.errors import AlreadySeeded, RwaError
from app.rwa.ledger import agent
from app.rwa.ledger import transfers as ledger
from app.rwa.models import Issuer
from app.rwa.registry import assets, documents, identities, keys
from app.rwa.registry.assets import RulesInput
from app.rwa.registry.documents import BlobStore
from app.rwa.repo import utcnow

ISSUER = "Aurora Real Assets S.A."
ACTOR = "demo"
EU_EEA_CH_UK = [40, 56, 208, 246, 250, 276, 372, 380, 442, 528, 620, 724, 752, 756, 826, 578]

# reference, name, country (ISO 3166-1 numeric), category
INVESTORS = [
    ("KYC-DE-001", "Lena Hoffmann", 276, "retail"),
    ("KYC-FR-002", "Camille Laurent", 250, "professional"),
    ("KYC-LU-003", "Fonds Moselle SICAV", 442, "institutional"),
    ("KYC-NL-004", "Pieter de Vries", 528, "accredited"),
    ("KYC-CH-005", "Helvetia Vorsorge AG", 756, "institutional"),
    ("KYC-GB-006", "Oliver Bennett", 826, "professional"),
    ("KYC-US-007", "Hudson Family Office LLC", 840, "accredited"),
    ("KYC-SG-008", "Tan Wei Ming", 702, "professional"),
    ("KYC-JP-009", "Sato Holdings KK", 392, "institutional"),
    ("KYC-ES-010", "Lucia Fernandez", 724, "retail"),
    ("KYC-IT-011", "Marco Bianchi", 380, "accredited"),
    ("KYC-AT-012", "Alpen Pension Fund", 40, "institutional"),
]
PENDING = ("KYC-PT-013", "Joao Silva", 620, "retail")


def wallet(label: str) -> str:
    """A deterministic demo address (not a real key: nobody holds its private key)."""
    return "0x" + hashlib.sha256(f"aurigraph-demo:{label}".encode()).hexdigest()[:40]


@dataclass
class DemoSummary:
    assets: list[str] = field(default_factory=list)
    investors: int = 0
    movements: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)  # (what was tried, restriction)
    documents: int = 0
    keys: dict[str, str] = field(default_factory=dict)  # role -> token (shown once)


def seed(
    session: Session,
    store: BlobStore,
    now: datetime | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> DemoSummary:
    """The registry half; `progress(done, 5)` after each of its five steps (assets, investors, trading,
    documents, keys)."""
    now = now or utcnow()
    tell = progress or (lambda _done, _total: None)
    if session.scalar(select(Issuer.id).where(Issuer.name == ISSUER)) is not None:
        raise AlreadySeeded(f"the demo registry is already there (issuer {ISSUER!r}); nothing was changed")
    out = DemoSummary()
    issuer = assets.create_issuer(session, actor=ACTOR, name=ISSUER, country=442, lei="5299009AURORA0000042")
    tell(0, 5)
    _assets(session, issuer.id, now, out)
    tell(1, 5)
    ids = _investors(session, issuer.id, now, out)
    tell(2, 5)
    _trading(session, ids, now, out)
    tell(3, 5)
    _documents(session, store, out)
    tell(4, 5)
    _keys(session, issuer.id, out)
    tell(5, 5)
    return out


def _assets(session: Session, issuer_id: int, now: datetime, out: DemoSummary) -> None:
    specs = [
        (
            "LIS-OFFICE",
            "Lisbon Riverside Office Tower",
            "real_estate",
            "PT",
            "EUR",
            18,
            10_000 * 10**18,
            RulesInput(
                allowed_countries=EU_EEA_CH_UK, max_holders=200, lockup_until=now - timedelta(days=30)
            ),
        ),
        (
            "AUR-GB27",
            "Aurora Green Bond 2027 4.25%",
            "bond",
            "LU",
            "EUR",
            2,
            50_000_000 * 100,
            RulesInput(
                allowed_categories=["professional", "accredited", "institutional"], min_transfer=100_000
            ),
        ),
        (
            "GOLD-LBMA",
            "Allocated LBMA Gold Pool (grams)",
            "commodity",
            "CH",
            "USD",
            6,
            None,
            RulesInput(denied_countries=[408, 364, 760], max_balance=50_000 * 10**6),
        ),
    ]
    for symbol, name, cls, juris, ccy, decimals, cap, rules in specs:
        assets.create_asset(
            session,
            actor=ACTOR,
            issuer_id=issuer_id,
            symbol=symbol,
            name=name,
            asset_class=cls,
            jurisdiction=juris,
            currency=ccy,
            decimals=decimals,
            max_units=cap,
            rules=rules,
        )
        assets.set_status(session, actor=ACTOR, symbol=symbol, status="active")
        out.assets.append(symbol)


def _investors(session: Session, issuer_id: int, now: datetime, out: DemoSummary) -> dict[str, str]:
    """reference -> first wallet; the Dutch investor also has a second (cold) wallet. The issuer onboards
    them, so its key and its agents' keys may manage their KYC and wallets."""
    ids: dict[str, str] = {}
    for ref, name, country, category in [*INVESTORS, PENDING]:
        verified = ref != PENDING[0]
        wallets = [wallet(ref)] + ([wallet(ref + "/cold")] if ref == "KYC-NL-004" else [])
        identities.create_identity(
            session,
            actor=ACTOR,
            reference=ref,
            label=name,
            country=country,
            category=category,
            kyc_status="verified" if verified else "pending",
            kyc_expires_at=now + timedelta(days=365) if verified else None,
            wallets=wallets,
            issuer_id=issuer_id,
        )
        ids[ref] = wallets[0]
        out.investors += verified
    return ids


def _trading(session: Session, w: dict[str, str], now: datetime, out: DemoSummary) -> None:
    m = 10**18  # one whole LIS-OFFICE unit
    issues = [
        ("LIS-OFFICE", "KYC-LU-003", 2_500 * m),
        ("LIS-OFFICE", "KYC-CH-005", 2_000 * m),
        ("LIS-OFFICE", "KYC-DE-001", 40 * m),
        ("LIS-OFFICE", "KYC-FR-002", 120 * m),
        ("AUR-GB27", "KYC-AT-012", 10_000_000 * 100),
        ("AUR-GB27", "KYC-JP-009", 5_000_000 * 100),
        ("AUR-GB27", "KYC-GB-006", 250_000 * 100),
        ("GOLD-LBMA", "KYC-SG-008", 12_500 * 10**6),
        ("GOLD-LBMA", "KYC-US-007", 40_000 * 10**6),
        ("GOLD-LBMA", "KYC-IT-011", 1_000 * 10**6),
    ]
    for symbol, ref, units in issues:
        ledger.issue(session, actor=ACTOR, symbol=symbol, wallet=w[ref], units=units)
    transfers = [
        ("LIS-OFFICE", "KYC-LU-003", "KYC-NL-004", 300 * m),
        ("LIS-OFFICE", "KYC-FR-002", "KYC-ES-010", 20 * m),
        ("AUR-GB27", "KYC-AT-012", "KYC-FR-002", 1_000_000 * 100),
        ("GOLD-LBMA", "KYC-US-007", "KYC-NL-004", 2_000 * 10**6),
    ]
    for symbol, a, b, units in transfers:
        ledger.transfer(session, actor=ACTOR, symbol=symbol, sender=w[a], receiver=w[b], units=units)
    refused = [
        (
            "LIS-OFFICE to a US investor (country not allowed)",
            "LIS-OFFICE",
            "KYC-DE-001",
            "KYC-US-007",
            5 * m,
        ),
        ("LIS-OFFICE to a pending KYC", "LIS-OFFICE", "KYC-FR-002", "KYC-PT-013", 1 * m),
        ("AUR-GB27 to a retail investor", "AUR-GB27", "KYC-GB-006", "KYC-DE-001", 100_000 * 100),
        ("AUR-GB27 below the minimum", "AUR-GB27", "KYC-GB-006", "KYC-FR-002", 500 * 100),
        ("GOLD-LBMA above the balance cap", "GOLD-LBMA", "KYC-SG-008", "KYC-US-007", 12_500 * 10**6),
        ("LIS-OFFICE beyond the free balance", "LIS-OFFICE", "KYC-DE-001", "KYC-ES-010", 41 * m),
    ]
    for what, symbol, a, b, units in refused:
        try:
            with session.begin_nested():
                ledger.transfer(session, actor=ACTOR, symbol=symbol, sender=w[a], receiver=w[b], units=units)
        except RwaError as exc:
            out.refused.append((what, getattr(getattr(exc, "restriction", None), "name", type(exc).__name__)))
    # compliance officer's tools
    agent.set_frozen(
        session, actor=ACTOR, symbol="LIS-OFFICE", wallet=w["KYC-CH-005"], frozen=True, units=500 * m
    )
    agent.set_frozen(session, actor=ACTOR, symbol="GOLD-LBMA", wallet=w["KYC-IT-011"], frozen=True)
    agent.forced_transfer(
        session,
        actor=ACTOR,
        symbol="GOLD-LBMA",
        sender=w["KYC-IT-011"],
        receiver=w["KYC-SG-008"],
        units=400 * 10**6,
        reason="court order 2026/1187 (Tribunale di Milano): transfer of pledged grams",
    )
    agent.recover(
        session, actor=ACTOR, symbol="LIS-OFFICE", lost=w["KYC-ES-010"], new=wallet("KYC-ES-010/recovered")
    )
    out.movements = len(issues) + len(transfers) + 2


def _documents(session: Session, store: BlobStore, out: DemoSummary) -> None:
    docs = [
        (
            "LIS-OFFICE",
            "prospectus",
            "prospectus",
            "Offering memorandum: 10,000 units of the Lisbon Riverside...",
        ),
        (
            "LIS-OFFICE",
            "valuation-2026",
            "valuation",
            "Independent valuation, 30 Sep 2026: EUR 182.4 million.",
        ),
        (
            "AUR-GB27",
            "prospectus",
            "prospectus",
            "Base prospectus: EUR 50,000,000 4.25% green notes due 2027.",
        ),
        (
            "AUR-GB27",
            "audit-2025",
            "audit_report",
            "Use-of-proceeds audit 2025: 94% allocated to eligible assets.",
        ),
        (
            "GOLD-LBMA",
            "bar-list",
            "audit_report",
            "Vault bar list, Zurich, 31 Oct 2026: 412 bars, 5,114.2 kg.",
        ),
    ]
    for symbol, name, kind, text in docs:
        documents.upload(
            session,
            store,
            actor=ACTOR,
            symbol=symbol,
            name=name,
            kind=kind,
            content=f"{text}\n(demo document generated by `aurigraph demo`)\n".encode(),
            media_type="text/plain",
            filename=f"{symbol}-{name}.txt",
        )
    out.documents = len(docs)


def _keys(session: Session, issuer_id: int, out: DemoSummary) -> None:
    _, out.keys["issuer"] = keys.create_key(
        session, actor=ACTOR, role="issuer", name="demo issuer", issuer_id=issuer_id
    )
    _, out.keys["agent"] = keys.create_key(
        session, actor=ACTOR, role="agent", name="demo transfer agent", assets=out.assets
    )
    _, out.keys["auditor"] = keys.create_key(session, actor=ACTOR, role="auditor", name="demo auditor")
