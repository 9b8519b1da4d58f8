"""Hypothesis: under random sequences of issue, redeem, transfer, freeze, unfreeze, forced transfer, recovery,
pause and KYC changes (each its own transaction, as over the API), on SQLite and PostgreSQL:

  - the holdings of the asset always sum to its issued supply, and 0 <= frozen units <= balance;
  - the ledger equals a plain Python model of the successful operations (refused ones change nothing);
  - the `can-transfer` pre-check always agrees with what the transfer then does (same code on refusal);
  - every successful operation appends exactly one audit entry, every refused one none."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.rwa.domain import Restriction
from app.rwa.errors import RwaError, TransferRestricted
from app.rwa.ledger import agent
from app.rwa.ledger import transfers as ledger
from app.rwa.models import Asset
from app.rwa.registry import assets, identities
from tests.rwa.factories import ACTOR, address, audit_size, make_asset, make_investor

_ids = itertools.count()
SCALES = [1, 10**20 + 3]  # the second one puts every quantity beyond 64 bits

W = st.integers(0, 7)  # an index into the example's current wallets (modulo their number)
K = st.integers(1, 120)
OPS = st.one_of(
    st.tuples(st.just("issue"), W, K),
    st.tuples(st.just("redeem"), W, K),
    st.tuples(st.just("transfer"), W, W, K),
    st.tuples(st.just("transfer"), W, W, K),
    st.tuples(st.just("transfer"), W, W, K),
    st.tuples(st.just("freeze"), W, st.none() | K),
    st.tuples(st.just("unfreeze"), W, st.none() | K),
    st.tuples(st.just("force"), W, W, K),
    st.tuples(st.just("recover"), W),
    st.tuples(st.just("status"), st.sampled_from(["active", "paused"])),
    st.tuples(st.just("kyc"), st.integers(0, 3), st.sampled_from(["verified", "pending", "expired"])),
)
RULES = st.fixed_dictionaries(
    {},
    optional={
        "denied_countries": st.just([840]),
        "allowed_categories": st.just(["professional", "accredited", "retail"]),
        "min_transfer": st.integers(1, 30),
        "max_balance": st.integers(50, 400),
        "max_holders": st.integers(1, 4),
        "lockup": st.booleans(),
    },
)


class Model:
    """What the ledger must hold: per wallet [balance, frozen_units, frozen]."""

    def __init__(self) -> None:
        self.rows: dict[str, list[int]] = {}

    def row(self, w: str) -> list[int]:
        return self.rows.setdefault(w, [0, 0, 0])

    def view(self) -> dict[str, tuple[int, int, bool]]:
        return {w: (b, f, bool(z)) for w, (b, f, z) in self.rows.items() if b or f or z}


def run(sm, ops, rules, scale):
    n = next(_ids)
    now = datetime.now(UTC)
    rules = dict(rules)
    if "lockup" in rules:
        rules["lockup_until"] = now + (timedelta(days=1) if rules.pop("lockup") else -timedelta(days=1))
    for key in ("min_transfer", "max_balance"):
        if key in rules:
            rules[key] *= scale
    wallets = [address(f"p{n}-{i}") for i in range(5)]
    with sm.begin() as s:
        sym = make_asset(s, rules=rules).symbol
        people = [
            make_investor(s, wallets[0], wallets[1]),
            make_investor(s, wallets[2], country=250, category="retail"),
            make_investor(s, wallets[3], country=840, category="accredited"),
            make_investor(s, wallets[4], kyc_status="pending", kyc_expires_at=None),
        ]
    owner = {w: i for i, w in zip([0, 0, 1, 2, 3], wallets, strict=True)}
    model, fresh = Model(), itertools.count()

    for op in ops:
        kind = op[0]
        w = [wallets[i % len(wallets)] for i in op[1:] if isinstance(i, int)][:2] if kind != "kyc" else []
        units = op[-1] * scale if isinstance(op[-1], int) and kind not in ("recover", "kyc") else None
        with sm.begin() as s:
            size = audit_size(s)
            verdict = None
            if kind == "transfer" and w[0] != w[1]:
                verdict = ledger.can_transfer(s, sym, w[0], w[1], units, now=now).restriction
        ok = True
        try:
            with sm.begin() as s:
                if kind == "issue":
                    ledger.issue(s, actor=ACTOR, symbol=sym, wallet=w[0], units=units, now=now)
                    model.row(w[0])[0] += units
                elif kind == "redeem":
                    ledger.redeem(s, actor=ACTOR, symbol=sym, wallet=w[0], units=units, now=now)
                    r = model.row(w[0])
                    r[1] -= max(0, units - (r[0] - r[1]))
                    r[0] -= units
                elif kind == "transfer":
                    ledger.transfer(
                        s, actor=ACTOR, symbol=sym, sender=w[0], receiver=w[1], units=units, now=now
                    )
                    model.row(w[0])[0] -= units
                    model.row(w[1])[0] += units
                elif kind in ("freeze", "unfreeze"):
                    u = None if op[2] is None else op[2] * scale
                    agent.set_frozen(
                        s, actor=ACTOR, symbol=sym, wallet=w[0], frozen=kind == "freeze", units=u
                    )
                    r = model.row(w[0])
                    if u is None:
                        r[2] = int(kind == "freeze")
                    else:
                        r[1] += u if kind == "freeze" else -u
                elif kind == "force":
                    agent.forced_transfer(
                        s,
                        actor=ACTOR,
                        symbol=sym,
                        sender=w[0],
                        receiver=w[1],
                        units=units,
                        reason="t",
                        now=now,
                    )
                    r = model.row(w[0])
                    r[1] -= max(0, units - (r[0] - r[1]))
                    r[0] -= units
                    model.row(w[1])[0] += units
                elif kind == "recover":
                    new = address(f"p{n}-new{next(fresh)}")
                    agent.recover(s, actor=ACTOR, symbol=sym, lost=w[0], new=new, now=now)
                    model.rows[new] = model.rows.pop(w[0], [0, 0, 0])
                    wallets.append(new)
                    owner[new] = owner[w[0]]
                elif kind == "status":
                    assets.set_status(s, actor=ACTOR, symbol=sym, status=op[1])
                elif kind == "kyc":
                    status = "verified" if op[2] == "expired" else op[2]
                    expiry = now - timedelta(days=1) if op[2] == "expired" else now + timedelta(days=30)
                    identities.update_kyc(
                        s, actor=ACTOR, identity_id=people[op[1]], kyc_status=status, kyc_expires_at=expiry
                    )
        except RwaError as exc:
            ok = False
            if verdict is not None:
                assert isinstance(exc, TransferRestricted), exc
                assert exc.restriction is verdict, (op, exc.restriction, verdict)
        if verdict is not None:
            assert ok == (verdict is Restriction.SUCCESS), (op, verdict)
        with sm.begin() as s:
            held = {p.wallet: (p.balance, p.frozen_units, p.frozen) for p in assets.positions(s, symbol=sym)}
            issued = s.scalars(select(Asset.issued_units).where(Asset.symbol == sym)).one()
            assert sum(b for b, _, _ in held.values()) == issued, op
            assert all(0 <= f <= b for b, f, _ in held.values()), held
            assert held == model.view(), (op, ok)
            assert audit_size(s) == size + ok, (op, ok)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(OPS, min_size=5, max_size=22), rules=RULES, scale=st.sampled_from(SCALES))
def test_holdings_sum_to_supply_and_precheck_agrees(sm, ops, rules, scale):
    run(sm, [("issue", 0, 100), ("issue", 2, 60), *ops], rules, scale)
