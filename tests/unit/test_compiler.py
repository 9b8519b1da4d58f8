"""The offline compiler: py-solc-x over tools/solc (solc as WebAssembly) unless a native solc is on PATH."""

from __future__ import annotations

import json

import pytest
import solcx
from packaging.version import Version

from app.evm.contracts import compiler
from app.evm.contracts.compiler import (
    BUILD_DIR,
    NODE_MODULES,
    ROOT,
    WASM_SOLC,
    CompilationError,
    build_artifacts,
    compile_sources,
)

TOKEN = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Counter} from "Counter.sol";

contract T is ERC20 {
    Counter public counter;

    constructor() ERC20("T", "T") {
        _mint(msg.sender, 1);
    }
}
"""


def test_compiles_for_prague_with_openzeppelin_and_our_own_imports():
    out = compile_sources({"T.sol": TOKEN})
    t = out["T"]
    assert {"name", "symbol", "transfer", "counter"} <= {e.get("name") for e in t.abi}
    assert t.bytecode.startswith(b"\x60\x80") and t.deployed_bytecode
    assert t.settings["evmVersion"] == t.metadata["settings"]["evmVersion"] == "prague"
    assert t.metadata["settings"]["optimizer"] == {"enabled": True, "runs": 200}
    assert {"@openzeppelin/contracts/token/ERC20/ERC20.sol", "Counter.sol"} <= set(t.metadata["sources"])
    assert "Counter" in out  # imported from contracts/src, and deployable
    assert "ERC20" not in out  # abstract: nothing to deploy
    assert t.compiler_version == solcx.wrapper.get_version_str_from_solc_binary(compiler.solc_binary())


def test_contract_selects_one_and_an_unknown_name_is_an_error():
    src = "pragma solidity ^0.8.0;\ncontract A {}\ncontract B { function f() external {} }\n"
    assert set(compile_sources({"Two.sol": src}, contract="B")) == {"B"}
    with pytest.raises(CompilationError, match="no deployable contract 'C'"):
        compile_sources({"Two.sol": src}, contract="C")


def test_syntax_error_names_file_line_and_column():
    src = "pragma solidity ^0.8.0;\n// café\ncontract A {\n  function f() external { uint x = ; }\n}\n"
    with pytest.raises(CompilationError) as exc:
        compile_sources({"A.sol": src})
    [err] = exc.value.messages
    assert (err.file, err.line, err.column, err.severity) == ("A.sol", 4, 36, "error")
    assert "Expected primary expression" in err.message
    assert "A.sol:4:36" in str(exc.value)


def test_imports_resolve_only_inside_contracts_src_and_node_modules():
    sources = {
        "B.sol": 'pragma solidity ^0.8.0;\nimport "./Nope.sol";\ncontract B {}\n',
        "C.sol": 'pragma solidity ^0.8.0;\nimport "x/../../../pyproject.toml";\ncontract C {}\n',
    }
    assert (ROOT / "pyproject.toml").is_file()
    with pytest.raises(CompilationError) as exc:
        compile_sources(sources)
    found = {m.file: m for m in exc.value.messages}
    assert found["B.sol"].line == 2 and 'Source "Nope.sol" not found' in found["B.sol"].message
    assert "outside of allowed directories" in found["C.sol"].message


def test_tools_solc_answers_py_solc_x_like_native_solc():
    assert solcx.wrapper.get_solc_version(WASM_SOLC) == Version(
        json.loads((NODE_MODULES / "solc" / "package.json").read_text())["version"]
    )
    std_input = {
        "language": "Solidity",
        "sources": {"x.sol": {"content": 'import "@openzeppelin/contracts/utils/Strings.sol";\n'
                              'import "contracts/src/Counter.sol";\n'}},
        "settings": {
            "remappings": ["@openzeppelin/=node_modules/@openzeppelin/"],
            "outputSelection": {"*": {"*": ["abi"]}},
        },
    }  # fmt: skip
    out = solcx.compile_standard(std_input, solc_binary=WASM_SOLC, base_path=ROOT, allow_paths=[ROOT])
    assert {"node_modules/@openzeppelin/contracts/utils/Strings.sol", "contracts/src/Counter.sol"} <= set(
        out["sources"]
    )


@pytest.fixture
def fresh_choice():
    compiler.solc_binary.cache_clear()
    yield
    compiler.solc_binary.cache_clear()


@pytest.mark.parametrize(
    ("answer", "chosen"),
    [("Version: 0.8.30+commit.73712a01.Linux.g++", "native"), ("Version: 0.8.20+commit.a1b79de6", "ours")],
)
def test_a_native_solc_on_path_is_used_when_it_knows_prague(
    tmp_path, monkeypatch, fresh_choice, answer, chosen
):
    fake = tmp_path / "solc"
    fake.write_text(f"#!/bin/sh\necho 'solc, the solidity compiler commandline interface'\necho '{answer}'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert compiler.solc_binary() == (fake if chosen == "native" else WASM_SOLC)


def test_targets_the_chains_fork():
    from app.evm.execution.pyevm import EVM_VERSION

    assert compiler.EVM_VERSION == EVM_VERSION


@pytest.mark.slow  # one solc run over contracts/src: 2-5 s on a busy 2-core machine
def test_committed_artifacts_match_a_fresh_compile(tmp_path):
    fresh = {p.name: p.read_text() for p in build_artifacts(out_dir=tmp_path)}
    committed = {p.name: p.read_text() for p in BUILD_DIR.glob("*.json")}
    assert sorted(committed) == sorted(fresh), "contracts/build is stale: run scripts/build-contracts"
    stale = sorted(name for name in fresh if committed[name] != fresh[name])
    assert not stale, f"stale artifacts {stale}: run scripts/build-contracts"
