"""create_app(): the FastAPI application with its lifespan (engine, chain, JSON-RPC)."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.api import openapi as openapi_doc
from app.api import routes as rest_routes
from app.api import rpc as rpc_routes
from app.api import ws as ws_routes
from app.api.errors import install_error_handlers
from app.api.limits import BodyLimit
from app.api.origins import RestCors
from app.api.routes.chain import blocks as chain_routes
from app.api.routes.chain import contracts as contract_routes
from app.api.routes.ops import dashboard as dashboard_routes
from app.api.routes.ops import metrics as metrics_routes
from app.api.routes.oracles import alerts_ws
from app.config import Settings, get_settings
from app.db import make_engine, make_sessionmaker
from app.evm.node.chain import Chain
from app.evm.rpc.dispatch import Rpc
from app.evm.rpc.subscriptions import SubscriptionHub
from app.rwa.alerts.worker import WebhookWorker
from app.rwa.audit import chain as chain_audit
from app.rwa.audit import signing_key as audit_key
from app.rwa.collateral import monitor as collateral_monitor
from app.rwa.ledger.group_commit import TransferCommitter
from app.rwa.onchain import identity_sync
from app.rwa.onchain import service as onchain_service
from app.rwa.onchain.consistency.watch import ConsistencyWatch
from app.rwa.registry import blobs, identities
from app.rwa.valuation.engine import ValuationEngine


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # the checkpoint signing key: production does not start without one (`aurigraph audit keygen`);
        # dev and test make one the first time and say so on stderr
        audit_key.startup_key(settings)
        engine = make_engine(
            settings.sqlalchemy_url,
            sqlite_synchronous=settings.sqlite_synchronous,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
        )
        chain = Chain(engine, settings)
        app.state.settings = settings
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        with app.state.sessionmaker.begin() as session:  # document files a crash left unreferenced
            blobs.sweep(session, blobs.BlobStore(settings.documents_dir, settings.max_upload_bytes))
        app.state.chain = chain
        app.state.rpc = Rpc(chain)
        app.state.rpc_pool = ThreadPoolExecutor(settings.rpc_threads, thread_name_prefix="rpc")
        # contracts deployed by raw transactions (JSON-RPC, cast, Hardhat) are recorded and audited too
        app.state.contracts = chain_audit.attach(chain)
        # tokenized assets: the registry indexes their tokens' events in each block's transaction and
        # rewinds with the chain; the operator key is read when tokenization is first used
        app.state.onchain = onchain_service.attach(chain, app.state.contracts, settings)
        # a registry KYC change, onboarding or new wallet reaches the chain when its request commits
        app.state.sessionmaker.configure(
            info={identities.IDENTITY_HOOKS: [identity_sync.session_hook(app.state.onchain)]}
        )
        app.state.hub = SubscriptionHub(chain)
        app.state.ws_connections = 0
        # its own connections: callers waiting for it must never hold the ones it needs
        committer_engine = make_engine(
            settings.sqlalchemy_url,
            sqlite_synchronous=settings.sqlite_synchronous,
            pool_size=settings.transfer_writers,
            max_overflow=0,
        )
        app.state.committer = TransferCommitter(
            make_sessionmaker(committer_engine),
            max_group=settings.transfer_group_max,
            writers=settings.transfer_writers,
        )
        collateral_monitor.install()  # positions are revalued in every valuation round
        # posts alerts to webhooks from the outbox (also what a crash left undelivered)
        app.state.webhooks = WebhookWorker(app.state.sessionmaker, settings)
        if settings.webhook_worker:
            app.state.webhooks.start()
        # revalues assets after every block, on a worker thread of its own; polls feeds on other networks
        app.state.valuation = ValuationEngine(
            app.state.sessionmaker, chain, app.state.rpc.handle, poll_s=settings.valuation_poll_s
        ).start()
        # compares every tokenized asset's registry record with its token, alerting new differences
        app.state.consistency = None
        if settings.consistency_interval_s > 0:
            app.state.consistency = ConsistencyWatch(
                chain, app.state.sessionmaker, settings.consistency_interval_s
            ).start()
        # KYC that lapsed in the registry loses its claim on-chain (at the consistency checks' cadence)
        app.state.kyc_expiry = None
        if settings.consistency_interval_s > 0:
            app.state.kyc_expiry = identity_sync.ExpiryWatch(
                app.state.onchain, settings.consistency_interval_s
            ).start()
        if settings.block_interval > 0:
            chain.set_interval(settings.block_interval)
        # what start-up built (modules, py-evm's opcode tables, the state cache) lives as long as the
        # process: keep it out of the cycle collector's full passes, which otherwise rescan it every time
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            app.state.valuation.close()
            if app.state.consistency is not None:
                app.state.consistency.close()
            if app.state.kyc_expiry is not None:
                app.state.kyc_expiry.close()
            app.state.rpc_pool.shutdown(wait=True, cancel_futures=True)
            app.state.committer.close()
            app.state.webhooks.close()
            committer_engine.dispose()
            chain.close()
            engine.dispose()

    app = FastAPI(title="Aurigraph", version="0.1.0", lifespan=lifespan)
    app.include_router(rpc_routes.router)
    app.include_router(ws_routes.router)
    app.include_router(alerts_ws.router)  # /v1/alerts/stream
    app.include_router(rest_routes.router)  # the registry
    app.include_router(contract_routes.router, prefix="/v1")
    app.include_router(chain_routes.router, prefix="/v1")
    app.include_router(metrics_routes.router)  # /metrics (Prometheus)
    dashboard_routes.install(app)  # /dashboard and its static files
    install_error_handlers(app)
    openapi_doc.install(app)  # security schemes and the problem bodies the server really sends
    # REST bodies bounded before routing (413), large ones read only for a valid key; JSON-RPC keeps its own
    app.add_middleware(BodyLimit, max_body=settings.max_body_bytes, max_upload=settings.max_upload_bytes)
    app.add_middleware(rpc_routes.FastPath)
    if settings.cors_origins:  # browsers of these origins may call the REST API (/v1); off by default
        app.add_middleware(RestCors, origins=settings.cors_origins)
    return app
