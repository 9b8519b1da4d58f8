"""Every error the service defines says its kind and code where it is defined, and app/api/errors.py maps
every kind: so adding an error never touches a central file, and the REST answers stay what they were."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import app
from app.api.errors import HTTP_STATUS, status_and_code
from app.api.routes.chain.blocks import TransactionNotFound
from app.api.routes.chain.contracts import SourceTooLarge
from app.errors import AppError, Kind
from app.evm import errors as ev
from app.evm.contracts.abi import AbiError
from app.evm.contracts.compiler import CompilationError
from app.evm.contracts.errors import (
    ArtifactInvalid,
    ContractNotFound,
    ContractReverted,
    NotProxyAdmin,
    NotUpgradeable,
)
from app.rwa import errors as e
from app.rwa.alerts import errors as alert_errors
from app.rwa.collateral import errors as collateral_errors
from app.rwa.domain import Restriction
from app.rwa.onchain import errors as onchain_errors
from app.rwa.tokenization import errors as tokenization_errors
from app.rwa.valuation import errors as valuation_errors


def _error_classes() -> list[type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(app.__path__, "app."):
        if info.name.endswith("__main__"):  # running it is what importing it does
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if (
                inspect.isclass(obj)
                and issubclass(obj, BaseException)
                and obj.__module__ == module.__name__
                and not name.startswith("_")  # module-private control flow, never raised out of its module
            ):
                found[f"{obj.__module__}.{name}"] = obj
    return [found[k] for k in sorted(found)]


ERROR_CLASSES = _error_classes()


def test_the_walk_finds_the_error_trees() -> None:
    names = {c.__name__ for c in ERROR_CLASSES}
    assert {
        "RwaError",
        "EvmError",
        "OracleError",
        "AbiError",
        "TransactionNotFound",
        "PositionClosed",
    } <= names
    assert len(ERROR_CLASSES) > 80


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_every_error_class_has_a_kind_and_a_code(cls: type[BaseException]) -> None:
    assert issubclass(cls, AppError), f"{cls.__name__} does not derive from app.errors.AppError"
    assert isinstance(cls.kind, Kind)
    assert cls.code and cls.code == cls.code.upper() and " " not in cls.code


def test_the_mapping_covers_every_kind() -> None:
    assert set(HTTP_STATUS) == set(Kind)
    assert all(400 <= status < 600 for status in HTTP_STATUS.values())


def test_app_errors_imports_nothing_of_app() -> None:
    source = inspect.getsource(importlib.import_module("app.errors"))
    assert "from app" not in source and "import app" not in source


# The statuses and codes the REST API answered with before the kinds moved onto the classes.
BEFORE: list[tuple[type[AppError], int, str]] = [
    (e.NotAuthenticated, 401, "UNAUTHENTICATED"),
    (e.PermissionDenied, 403, "FORBIDDEN"),
    (e.AssetNotFound, 404, "ASSET_NOT_FOUND"),
    (e.IssuerNotFound, 404, "ISSUER_NOT_FOUND"),
    (e.IdentityNotFound, 404, "IDENTITY_NOT_FOUND"),
    (e.WalletNotFound, 404, "WALLET_NOT_FOUND"),
    (e.DocumentNotFound, 404, "DOCUMENT_NOT_FOUND"),
    (e.ApiKeyNotFound, 404, "KEY_NOT_FOUND"),
    (e.AuditEntryNotFound, 404, "AUDIT_ENTRY_NOT_FOUND"),
    (e.AuditKeyMissing, 503, "AUDIT_KEY_MISSING"),
    (e.AuditKeyExists, 409, "AUDIT_KEY_EXISTS"),
    (e.TreeSizeBeyondLog, 422, "TREE_SIZE_BEYOND_LOG"),
    (alert_errors.AlertNotFound, 404, "ALERT_NOT_FOUND"),
    (alert_errors.WebhookNotFound, 404, "WEBHOOK_NOT_FOUND"),
    (alert_errors.InvalidWebhook, 422, "INVALID_WEBHOOK"),
    (collateral_errors.PositionNotFound, 404, "POSITION_NOT_FOUND"),
    (collateral_errors.InvalidPosition, 422, "INVALID_POSITION"),
    (collateral_errors.PositionClosed, 409, "POSITION_CLOSED"),
    (valuation_errors.FeedNotFound, 404, "FEED_NOT_FOUND"),
    (valuation_errors.NoValuation, 404, "NO_VALUATION"),
    (valuation_errors.PricingNotFound, 404, "PRICING_NOT_FOUND"),
    (valuation_errors.FeedExists, 409, "FEED_EXISTS"),
    (valuation_errors.NotAggregator, 422, "NOT_AN_AGGREGATOR"),
    (valuation_errors.BadFeedDecimals, 422, "BAD_DECIMALS"),
    (valuation_errors.InvalidFeed, 422, "INVALID_FEED"),
    (valuation_errors.UnknownCurrency, 422, "UNKNOWN_CURRENCY"),
    (valuation_errors.NoFxPath, 422, "NO_FX_PATH"),
    (valuation_errors.InvalidPricing, 422, "INVALID_PRICING"),
    (valuation_errors.InvalidAsOf, 422, "INVALID_AS_OF"),
    (valuation_errors.BeforeAsset, 422, "BEFORE_ASSET"),
    (valuation_errors.ValuationError, 400, "REGISTRY_ERROR"),
    (onchain_errors.NotTokenized, 404, "NOT_TOKENIZED"),
    (onchain_errors.AssetTokenized, 409, "ASSET_TOKENIZED"),
    (onchain_errors.RuleNotExpressible, 422, "RULE_NOT_EXPRESSIBLE"),
    (onchain_errors.TokenizeRefused, 422, "TOKENIZE_REFUSED"),
    (onchain_errors.IndexingRefused, 400, "REGISTRY_ERROR"),
    (tokenization_errors.ChainTxReverted, 409, "CHAIN_REVERTED"),
    (tokenization_errors.PlatformNotDeployed, 404, "PLATFORM_NOT_DEPLOYED"),
    (tokenization_errors.OperatorKeyMissing, 503, "OPERATOR_KEY_MISSING"),
    (tokenization_errors.ChainNotMining, 409, "CHAIN_NOT_MINING"),
    (tokenization_errors.UnsupportedModule, 422, "INVALID_INPUT"),
    (e.NotFound, 404, "NOT_FOUND"),
    (e.AlreadyExists, 409, "ALREADY_EXISTS"),
    (e.InvalidUnits, 422, "INVALID_UNITS"),
    (e.InvalidInput, 422, "INVALID_INPUT"),
    (e.InvalidStatusTransition, 409, "INVALID_STATUS_TRANSITION"),
    (e.SupplyCapExceeded, 409, "SUPPLY_CAP_EXCEEDED"),
    (e.InsufficientUnits, 409, "INSUFFICIENT_UNITS"),
    (e.WalletIdentityMismatch, 409, "WALLET_IDENTITY_MISMATCH"),
    (e.PayloadTooLarge, 413, "PAYLOAD_TOO_LARGE"),
    (e.DocumentCorrupted, 500, "DOCUMENT_CORRUPTED"),
    (e.AlreadySeeded, 409, "ALREADY_SEEDED"),
    (e.TransferNotCommitted, 503, "NOT_COMMITTED"),
    (e.NothingToRecover, 409, "NOTHING_TO_RECOVER"),
    (e.LastAdminKey, 409, "LAST_ADMIN_KEY"),
    (e.AuditChainConflict, 409, "AUDIT_CONFLICT"),
    (e.AuditPayloadError, 422, "AUDIT_PAYLOAD_INVALID"),
    (e.AuditKeyError, 500, "AUDIT_KEY_ERROR"),
    (e.AuditLogTampered, 500, "AUDIT_ERROR"),
    (e.AuditError, 500, "AUDIT_ERROR"),
    (e.RwaError, 400, "REGISTRY_ERROR"),
    (AbiError, 422, "INVALID_ARGUMENT"),
    (ContractNotFound, 404, "CONTRACT_NOT_FOUND"),
    (TransactionNotFound, 404, "TRANSACTION_NOT_FOUND"),
    (ev.BlockNotFound, 404, "BLOCK_NOT_FOUND"),
    (SourceTooLarge, 413, "SOURCE_TOO_LARGE"),
    (CompilationError, 422, "COMPILATION_ERROR"),
    (ArtifactInvalid, 422, "INVALID_ARTIFACT"),
    (ContractReverted, 422, "EXECUTION_REVERTED"),
    (ev.ExecutionReverted, 422, "EXECUTION_REVERTED"),
    (NotProxyAdmin, 403, "NOT_PROXY_ADMIN"),
    (NotUpgradeable, 409, "NOT_UPGRADEABLE"),
    (ev.UnknownAccount, 422, "UNKNOWN_ACCOUNT"),
    (ev.NonceTooLow, 409, "NONCE_TOO_LOW"),
    (ev.NonceTooHigh, 422, "INVALID_TRANSACTION"),
    (ev.InsufficientFunds, 409, "INSUFFICIENT_FUNDS"),
    (ev.InvalidTransaction, 422, "INVALID_TRANSACTION"),
    (ev.OutOfGas, 422, "OUT_OF_GAS"),
    (ev.ExecutionTimeout, 422, "EXECUTION_TIMEOUT"),
    (ev.InvalidParams, 422, "INVALID_PARAMS"),
    (ev.MethodDisabled, 400, "CHAIN_ERROR"),
    (ev.EvmError, 400, "CHAIN_ERROR"),
]


@pytest.mark.parametrize(("cls", "status", "code"), BEFORE, ids=lambda x: getattr(x, "__name__", str(x)))
def test_rest_statuses_and_codes_are_unchanged(cls: type[AppError], status: int, code: str) -> None:
    assert (HTTP_STATUS[cls.kind], cls.code) == (status, code)


def test_a_refused_transfer_answers_with_its_restriction() -> None:
    err = e.ComplianceViolation(Restriction.LOCKED_UP)
    assert status_and_code(err) == (422, "LOCKED_UP")
    assert err.details() == {"restriction_code": int(Restriction.LOCKED_UP)}
    paused = e.AssetNotActive(Restriction.ASSET_PAUSED)
    batch = e.BatchRefused(3, paused)
    assert status_and_code(batch) == (409, "ASSET_PAUSED")
    assert batch.details() == {"restriction_code": int(Restriction.ASSET_PAUSED), "index": 3}


def test_json_rpc_codes_stay_on_the_chain_errors() -> None:
    codes = {
        ev.InvalidParams: -32602,
        ev.BlockNotFound: -32001,
        ev.NonceTooLow: -32003,
        ev.NonceTooHigh: -32000,
        ev.InsufficientFunds: -32003,
        ev.ExecutionReverted: 3,
        ev.OutOfGas: -32603,
        ev.MethodDisabled: -32601,
        ev.UnknownAccount: -32000,
    }
    assert {cls: cls.rpc_code for cls in codes} == codes
