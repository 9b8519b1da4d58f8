// A Hardhat 2 project run against `aurigraph serve` (AURIGRAPH_URL). Hardhat cannot download a compiler
// here: the compile subtask that fetches solc is overridden to hand it the npm `solc` package's
// WebAssembly build (soljson.js) instead.
require("@nomicfoundation/hardhat-toolbox");
const path = require("path");
const { subtask } = require("hardhat/config");
const { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } = require("hardhat/builtin-tasks/task-names");

const SOLC = "0.8.37";

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args, hre, runSuper) => {
  if (args.solcVersion !== SOLC) return runSuper();
  const solc = require("solc");
  return {
    compilerPath: path.join(path.dirname(require.resolve("solc")), "soljson.js"),
    isSolcJs: true,
    version: SOLC,
    longVersion: solc.version().replace(".Emscripten.clang", ""),
  };
});

module.exports = {
  solidity: {
    version: SOLC,
    // py-evm runs Prague (no Osaka): solc 0.8.37 would otherwise target osaka
    settings: { evmVersion: "prague", optimizer: { enabled: true, runs: 200 } },
  },
  defaultNetwork: "aurigraph",
  networks: {
    aurigraph: { url: process.env.AURIGRAPH_URL || "http://127.0.0.1:8545", timeout: 60000 },
  },
  mocha: { timeout: 120000 },
};
