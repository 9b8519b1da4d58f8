"""An asset's registry rules as T-REX compliance modules, and the holders its token must be able to take,
both decided before anything is deployed.

Country allow / deny -> ``CountryAllowModule`` / ``CountryRestrictModule`` (receivers' ISO 3166-1 numeric
countries, mints included, as the registry); max balance per identity -> ``MaxBalanceModule``; max holders
(identities) -> ``MaxHoldersModule``; minimum transfer -> ``MinimumTransferModule`` and lock-up ->
``LockUpModule`` (both exempt mints, as the registry). Investor categories have no module and no claim the
suite checks: an asset restricted by category is refused (``RuleNotExpressible``), as is an empty allow
list (the country modules take 1 to 194 countries)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from app.rwa.compliance.rules import Rules
from app.rwa.domain import KycStatus, Restriction
from app.rwa.onchain.errors import RuleNotExpressible, TokenizeRefused
from app.rwa.tokenization import modules as m
from app.rwa.tokenization.modules import MAX_COUNTRIES, ModuleConfig

MAX_DECIMALS = 18  # ERC-20's uint8, as T-REX's factory takes it


def module_configs(rules: Rules, now: datetime) -> list[ModuleConfig]:
    """The modules enforcing ``rules``, or ``RuleNotExpressible`` naming the first rule they cannot."""
    if rules.allowed_categories is not None:
        raise RuleNotExpressible(
            "allowed_categories",
            "T-REX has no investor-category module and its identities carry no category claim",
        )
    out: list[ModuleConfig] = []
    if rules.allowed_countries is not None:
        if not 1 <= len(rules.allowed_countries) <= MAX_COUNTRIES:
            raise RuleNotExpressible(
                "allowed_countries",
                f"CountryAllowModule takes 1 to {MAX_COUNTRIES} countries, the rule lists "
                f"{len(rules.allowed_countries)}",
            )
        out.append(m.country_allow(sorted(rules.allowed_countries)))
    if rules.denied_countries:
        if len(rules.denied_countries) > MAX_COUNTRIES:
            raise RuleNotExpressible(
                "denied_countries", f"CountryRestrictModule takes at most {MAX_COUNTRIES} countries"
            )
        out.append(m.country_restrict(sorted(rules.denied_countries)))
    if rules.max_balance is not None:
        out.append(m.max_balance(rules.max_balance))
    if rules.max_holders is not None:
        out.append(m.max_holders(rules.max_holders))
    if rules.min_transfer is not None:
        out.append(m.minimum_transfer(rules.min_transfer))
    if rules.lockup_until is not None and rules.lockup_until > now:
        out.append(m.lock_up(rules.lockup_until))
    return out


@dataclass(frozen=True, slots=True)
class HolderView:
    """One holding the token must take by a mint: its wallet, identity, and the identity's KYC."""

    wallet: str
    identity_id: int
    country: int
    kyc_status: str
    kyc_expires_at: datetime | None
    revoked: bool
    balance: int
    frozen_units: int
    frozen: bool


def check_holders(rules: Rules, holders: Sequence[HolderView], now: datetime) -> None:
    """Refuse (naming the wallet and the rule) a holding the token's mint would revert on: the token mints
    only to a verified identity (KYC claim) that the compliance modules accept."""
    per_identity: dict[int, int] = defaultdict(int)
    for h in holders:
        if h.balance <= 0:
            continue
        per_identity[h.identity_id] += h.balance
        broken: Restriction | None = None
        if h.revoked or h.kyc_status != KycStatus.VERIFIED:
            broken = Restriction.RECEIVER_NOT_VERIFIED
        elif h.kyc_expires_at is not None and h.kyc_expires_at <= now:
            broken = Restriction.RECEIVER_KYC_EXPIRED
        elif h.country in rules.denied_countries or (
            rules.allowed_countries is not None and h.country not in rules.allowed_countries
        ):
            broken = Restriction.COUNTRY_NOT_ALLOWED
        if broken is not None:
            raise TokenizeRefused(
                f"holder {h.wallet} (identity {h.identity_id}) cannot receive the token: {broken.name} "
                f"({broken.message}); nothing was deployed"
            )
    if rules.max_balance is not None:
        for identity_id, held in sorted(per_identity.items()):
            if held > rules.max_balance:
                raise TokenizeRefused(
                    f"identity {identity_id} holds {held}, over the max balance {rules.max_balance}: "
                    f"{Restriction.MAX_BALANCE_EXCEEDED.name}; nothing was deployed"
                )
    if rules.max_holders is not None and len(per_identity) > rules.max_holders:
        raise TokenizeRefused(
            f"{len(per_identity)} identities hold the asset, over its max holders {rules.max_holders}: "
            f"{Restriction.MAX_HOLDERS_EXCEEDED.name}; nothing was deployed"
        )
