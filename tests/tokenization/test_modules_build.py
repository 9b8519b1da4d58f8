"""Our compliance modules compile against T-REX's AbstractModule from the npm package, with the solc it pins
(0.8.17, the npm alias solc-0.8.17), and the committed artifacts are that compile's output."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.evm.contracts.compiler import (
    BUILD_DIR,
    CONTRACTS_SRC,
    CompilationError,
    build_artifacts,
    compile_sources,
)


def test_committed_module_artifacts_match_a_fresh_compile(tmp_path: Path) -> None:
    fresh = {
        p.name: p.read_text()
        for p in build_artifacts(CONTRACTS_SRC / "trex", tmp_path, solc_version="0.8.17")
    }
    committed = {p.name: p.read_text() for p in (BUILD_DIR / "trex").glob("*.json")}
    assert sorted(fresh) == ["LockUpModule.json", "MaxHoldersModule.json", "MinimumTransferModule.json"]
    assert committed == fresh, "contracts/build/trex is stale: run scripts/build-contracts"


def test_pinned_compiler_targets_its_newest_evm_and_the_default_one_refuses_t_rex() -> None:
    src = {"M.sol": (CONTRACTS_SRC / "trex" / "LockUpModule.sol").read_text()}
    built = compile_sources(src, solc_version="0.8.17")["LockUpModule"]
    assert built.compiler_version.startswith("0.8.17+") and built.settings["evmVersion"] == "london"
    with pytest.raises(CompilationError, match="requires different compiler version"):
        compile_sources(src)  # solc 0.8.37 does not satisfy `pragma solidity 0.8.17`
    with pytest.raises(CompilationError, match="not installed"):
        compile_sources(src, solc_version="0.8.1")
