"""The offline compiler: py-solc-x over solc (WebAssembly from npm unless a native solc is on PATH)."""

from __future__ import annotations

import json

import pytest

from app.evm.compiler import CONTRACTS_SRC, ROOT, CompilationError, compile_files, compile_sources

BUILD = ROOT / "contracts" / "build"


def test_compiles_for_prague_with_openzeppelin_imports():
    src = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
contract T is ERC20 { constructor() ERC20("T", "T") { _mint(msg.sender, 1); } }
"""
    out = compile_sources({"T.sol": src})
    t = out["T"]
    assert {"name", "symbol", "transfer"} <= {e.get("name") for e in t.abi}
    assert t.bytecode and t.deployed_bytecode
    assert t.settings["evmVersion"] == "prague"
    assert t.compiler_version.startswith("0.8.")
    assert "ERC20" not in out  # abstract contracts have no bytecode to deploy and are left out


def test_syntax_error_names_file_and_line():
    src = "pragma solidity ^0.8.0;\ncontract A {\n  function f() external { uint x = ; }\n}\n"
    with pytest.raises(CompilationError) as exc:
        compile_sources({"A.sol": src})
    err = next(m for m in exc.value.messages if m.severity == "error")
    assert (err.file, err.line) == ("A.sol", 3)
    assert "A.sol:3" in str(exc.value)


def test_missing_import_is_a_compilation_error():
    with pytest.raises(CompilationError) as exc:
        compile_sources({"B.sol": 'pragma solidity ^0.8.0;\nimport "./Nope.sol";\ncontract B {}\n'})
    assert "Nope.sol" in str(exc.value)


@pytest.mark.slow
def test_committed_artifacts_match_a_fresh_compile():
    fresh = compile_files(sorted(CONTRACTS_SRC.glob("*.sol")))
    committed = {p.stem: json.loads(p.read_text()) for p in BUILD.glob("*.json")}
    assert set(committed) == set(fresh), "run scripts/build-contracts"
    for name, c in fresh.items():
        assert committed[name]["bytecode"] == "0x" + c.bytecode.hex(), (
            f"{name}: stale artifact, run scripts/build-contracts"
        )
        assert committed[name]["abi"] == c.abi
