"""Imports every domain's models so Base.metadata knows all tables (Alembic and tests use this)."""

from app.evm.storage import models as evm_models  # noqa: F401
from app.rwa import models as rwa_models  # noqa: F401
from app.rwa.alerts import models as alert_models  # noqa: F401
from app.rwa.audit import models as rwa_audit_models  # noqa: F401
from app.rwa.collateral import models as collateral_models  # noqa: F401
from app.rwa.feeds import models as feed_models  # noqa: F401
from app.rwa.onchain import models as onchain_models  # noqa: F401
from app.rwa.tokenization import models as tokenization_models  # noqa: F401
from app.rwa.valuation import models as valuation_models  # noqa: F401
