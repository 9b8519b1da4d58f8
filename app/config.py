"""One settings class for the whole service; env prefix AURIGRAPH_. No other module reads os.environ."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AURIGRAPH_", extra="ignore")

    env: Literal["dev", "test", "production"] = "dev"
    data_dir: Path = Path("data")
    # Empty means: a SQLite file under data_dir.
    database_url: str = ""
    # SQLite only: FULL fsyncs every commit (survives power loss); NORMAL survives kill -9 but not an OS crash
    sqlite_synchronous: Literal["FULL", "NORMAL"] = "FULL"

    # connections the API keeps open (QueuePool size): past it, each request would connect anew and close
    db_pool_size: int = 20
    db_max_overflow: int = 20

    host: str = "127.0.0.1"
    port: int = 8545
    # the API key `aurigraph deploy|call|send` send to the server (they are its REST clients)
    api_key: str = ""

    # chain
    chain_id: int = 31337
    block_gas_limit: int = 30_000_000
    initial_base_fee: int = 1_000_000_000
    dev_mnemonic: str = "test test test test test test test test test test test junk"
    dev_accounts: int = 10
    dev_balance_wei: int = 10_000 * 10**18
    # the chain's key-value rows are all kept in memory when there are at most this many (else cached lazily)
    state_cache_rows: int = 5_000_000
    automine: bool = True
    block_interval: float = 0.0  # seconds between blocks when automine is off (0 = only on evm_mine)
    # a genesis file in geth's format (config.chainId, alloc, baseFeePerGas, gasLimit, timestamp,
    # extraData): the chain starts from it instead of the dev defaults; the database remembers it and
    # refuses to start with another one (app/evm/node/genesis/opening.py)
    genesis_file: Path | None = None
    # production only: debug_traceCall/debug_traceTransaction answered (always on in dev)
    rpc_debug: bool = False
    # web3_clientVersion outside production; empty means "anvil/v1.7.1-compatible aurigraph/<v>/py-evm-<v>"
    # (Hardhat's network helpers accept only a version starting with hardhatnetwork, anvil or zksync)
    dev_client_version: str = ""

    # audit log: Ed25519 key that signs checkpoints (PEM, PKCS#8); empty means data_dir/audit_ed25519.pem,
    # created with mode 0600 on first use
    audit_key_path: Path | None = None

    # registry documents: content-addressed files (SHA-256); empty means data_dir/documents
    documents_path: Path | None = None
    max_upload_bytes: int = 20 * 1024 * 1024

    # registry: single transfers are group-committed (app/rwa/ledger/) by this many writers (each its
    # own database connection; keep 1 on SQLite, which has one writer), at most transfer_group_max per commit
    transfer_writers: int = 1
    transfer_group_max: int = 500

    # abuse bounds
    max_body_bytes: int = 5 * 1024 * 1024
    max_source_bytes: int = 1024 * 1024  # Solidity sent to the REST API for one compile
    max_batch: int = 1000
    rpc_gas_cap: int = 50_000_000
    call_timeout_s: float = 5.0
    rpc_threads: int = 8  # JSON-RPC over HTTP runs on these threads, off the event loop
    max_filters: int = 1000
    max_logs: int = 10_000
    max_ws_connections: int = 200
    ws_queue_limit: int = 10_000  # notifications queued for one WebSocket before it is dropped as too slow
    # browser origins allowed to open the JSON-RPC WebSocket (a request without Origin, i.e. not from a
    # web page, is always allowed); "scheme://host:*" allows any port, "*" any origin
    ws_allowed_origins: list[str] = [
        "http://localhost:*",
        "http://127.0.0.1:*",
        "http://[::1]:*",
        "https://localhost:*",
        "https://127.0.0.1:*",
        "https://[::1]:*",
    ]
    # origins allowed to call the REST API (/v1) from a browser (CORS); empty: CORS off
    cors_origins: list[str] = []

    # alerts: webhooks (added by admins at /v1/webhooks) are posted from the outbox by a worker thread per
    # process, at-least-once; a failed attempt is retried after backoff_s, 2x, 4x, ... up to backoff_cap_s,
    # at most max_attempts times in all
    webhook_worker: bool = True
    webhook_poll_s: float = 0.5  # how often the worker looks for due deliveries
    webhook_timeout_s: float = 5.0  # per HTTP phase (connect, write, read) of one attempt
    webhook_max_attempts: int = 10
    webhook_backoff_s: float = 1.0
    webhook_backoff_cap_s: float = 300.0
    alert_stream_poll_s: float = 0.25  # how often the alert stream (WebSocket) looks for new alerts
    # valuation: how often feeds on other networks (HTTP RPC) are polled; our chain is read on every block
    valuation_poll_s: float = 15.0

    # tokenization (app/rwa/tokenization): the platform operator's secp256k1 key, which owns the T-REX
    # platform and every token it deploys, acts as their agent and manages the platform's ClaimIssuer: a
    # 0x-hex private key, or a file holding one (keep it mode 0600). Without either, a dev or test chain
    # uses its first dev account; production refuses to tokenize.
    operator_key: SecretStr = SecretStr("")
    operator_key_file: Path | None = None
    # the consistency checker (app/rwa/onchain/consistency): how often the server compares every tokenized
    # asset's registry record with its token and alerts new differences (0: never; the CLI still checks)
    consistency_interval_s: float = 60.0

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'aurigraph.db').as_posix()}"

    @property
    def audit_key_file(self) -> Path:
        return self.audit_key_path or self.data_dir / "audit_ed25519.pem"

    @property
    def documents_dir(self) -> Path:
        return self.documents_path or self.data_dir / "documents"

    @property
    def production(self) -> bool:
        return self.env == "production"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
