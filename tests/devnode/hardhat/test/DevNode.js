// Run against `aurigraph serve` (hardhat test --network aurigraph): the network helpers, chai matchers,
// impersonation and an Ignition deploy, as a Hardhat project uses them against anvil or Hardhat Network.
const {
  loadFixture,
  time,
  mine,
  takeSnapshot,
  impersonateAccount,
  stopImpersonatingAccount,
  setBalance,
} = require("@nomicfoundation/hardhat-toolbox/network-helpers");
const { anyValue } = require("@nomicfoundation/hardhat-chai-matchers/withArgs");
const { expect } = require("chai");
const { ethers, ignition, network } = require("hardhat");
const LockModule = require("../ignition/modules/Lock");

const ONE_YEAR = 365 * 24 * 60 * 60;
const ONE_GWEI = 1_000_000_000n;
const SUPPLY = 1_000_000n * 10n ** 18n;

async function deployFixture() {
  const [owner, other] = await ethers.getSigners();
  const unlockTime = (await time.latest()) + ONE_YEAR;
  const lock = await ethers.deployContract("Lock", [unlockTime], { value: ONE_GWEI });
  const token = await ethers.deployContract("DevToken", [SUPPLY]);
  return { lock, token, unlockTime, owner, other };
}

describe("Lock (time travel, custom errors, events)", function () {
  it("is deployed by the fixture with its unlock time and funds", async function () {
    const { lock, unlockTime, owner } = await loadFixture(deployFixture);
    expect(await lock.unlockTime()).to.equal(unlockTime);
    expect(await lock.owner()).to.equal(owner.address);
    expect(await ethers.provider.getBalance(lock.target)).to.equal(ONE_GWEI);
  });

  it("refuses an unlock time in the past with a custom error", async function () {
    const latest = await time.latest();
    const Lock = await ethers.getContractFactory("Lock");
    await expect(Lock.deploy(latest, { value: 1 })).to.be.revertedWithCustomError(Lock, "UnlockTimeNotInFuture");
  });

  it("reverts TooEarly until time.increaseTo reaches the unlock time", async function () {
    const { lock, unlockTime } = await loadFixture(deployFixture);
    await expect(lock.withdraw()).to.be.revertedWithCustomError(lock, "TooEarly").withArgs(unlockTime, anyValue);
    await time.increaseTo(unlockTime);
    expect(await time.latest()).to.equal(unlockTime);
    await expect(lock.withdraw()).not.to.be.reverted;
  });

  it("emits Withdrawal and moves the funds to the owner (changeEtherBalances)", async function () {
    const { lock, unlockTime, owner } = await loadFixture(deployFixture);
    await time.increaseTo(unlockTime);
    const tx = lock.withdraw();
    await expect(tx).to.emit(lock, "Withdrawal").withArgs(ONE_GWEI, anyValue);
    await expect(tx).to.changeEtherBalances([owner, lock], [ONE_GWEI, -ONE_GWEI]);
  });

  it("refuses another account with a custom error carrying its address", async function () {
    const { lock, unlockTime, other } = await loadFixture(deployFixture);
    await time.increase(ONE_YEAR);
    expect(await time.latest()).to.be.gte(unlockTime);
    await expect(lock.connect(other).withdraw()).to.be.revertedWithCustomError(lock, "NotOwner").withArgs(other.address);
  });

  it("moves time exactly with evm_increaseTime + mine (Hardhat's lock pattern)", async function () {
    await mine(15);
    const before = await time.latest();
    const started = Date.now();
    await network.provider.send("evm_increaseTime", [3600]);
    await mine();
    const passed = Math.ceil((Date.now() - started) / 1000); // the wall time that really passed meanwhile
    const moved = (await time.latest()) - before;
    expect(moved).to.be.within(3600, 3601 + passed);
  });
});

describe("mine and takeSnapshot", function () {
  it("mines blocks, with an interval between their timestamps", async function () {
    const start = await time.latestBlock();
    await mine(5);
    expect(await time.latestBlock()).to.equal(start + 5);
    const t0 = await time.latest();
    await mine(3, { interval: 60 });
    expect(await time.latestBlock()).to.equal(start + 8);
    // the first block 60 s after the latest (+1 if the wall clock ticks meanwhile), the others exactly
    expect(await time.latest()).to.be.within(t0 + 180, t0 + 181);
  });

  it("restores balances and the block number from a snapshot", async function () {
    const { token, owner, other } = await loadFixture(deployFixture);
    const snapshot = await takeSnapshot();
    const block = await time.latestBlock();
    await token.transfer(other.address, 1000n);
    expect(await token.balanceOf(other.address)).to.equal(1000n);
    await snapshot.restore();
    expect(await token.balanceOf(other.address)).to.equal(0n);
    expect(await token.balanceOf(owner.address)).to.equal(SUPPLY);
    expect(await time.latestBlock()).to.equal(block);
  });
});

describe("DevToken (OpenZeppelin ERC-20) and impersonation", function () {
  it("transfers with changeTokenBalances and a Transfer event", async function () {
    const { token, owner, other } = await loadFixture(deployFixture);
    await expect(token.transfer(other.address, 50n)).to.changeTokenBalances(token, [owner, other], [-50n, 50n]);
    await expect(token.transfer(other.address, 7n)).to.emit(token, "Transfer").withArgs(owner.address, other.address, 7n);
  });

  it("reverts an overdraft with OpenZeppelin's custom error", async function () {
    const { token, other, owner } = await loadFixture(deployFixture);
    await expect(token.connect(other).transfer(owner.address, 1n))
      .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
      .withArgs(other.address, 0n, 1n);
  });

  it("sends from an impersonated account that has no key here", async function () {
    const { token, owner } = await loadFixture(deployFixture);
    const whale = ethers.getAddress("0x00000000000000000000000000000000000fa11e");
    await token.transfer(whale, 1000n);
    await setBalance(whale, 10n ** 18n);
    await impersonateAccount(whale);
    const signer = await ethers.getSigner(whale);
    await expect(token.connect(signer).transfer(owner.address, 400n)).to.changeTokenBalances(
      token,
      [whale, owner],
      [-400n, 400n],
    );
    const sent = await token.connect(signer).transfer(owner.address, 1n);
    const receipt = await sent.wait();
    expect(receipt.from).to.equal(whale);
    expect((await ethers.provider.getTransaction(sent.hash)).from).to.equal(whale);
    await stopImpersonatingAccount(whale);
    await expect(token.connect(signer).transfer(owner.address, 1n)).to.be.rejected;
  });
});

describe("ethers provider events", function () {
  it("fires provider.on('pending') for a new transaction (eth_newPendingTransactionFilter)", async function () {
    const provider = new ethers.JsonRpcProvider(network.config.url, undefined, { polling: true, pollingInterval: 100 });
    const [owner, other] = await ethers.getSigners();
    const seen = [];
    await provider.on("pending", (hash) => seen.push(hash));
    await new Promise((r) => setTimeout(r, 500)); // the filter is installed on the first poll
    const sent = await owner.sendTransaction({ to: other.address, value: 1n });
    for (let i = 0; i < 100 && !seen.includes(sent.hash); i++) await new Promise((r) => setTimeout(r, 100));
    await provider.removeAllListeners();
    // removing the listener sends eth_uninstallFilter without awaiting it: destroying the provider while that
    // request is in flight cancels it and throws an uncaught error (seen in CI), so let it finish first
    await new Promise((r) => setTimeout(r, 1000));
    provider.destroy();
    expect(seen).to.include(sent.hash);
  });
});

describe("Ignition", function () {
  it("deploys the Lock module with its parameters", async function () {
    const unlockTime = (await time.latest()) + ONE_YEAR;
    // off Hardhat Network, Ignition journals a deployment under ignition/deployments: one of its own per run
    const { lock } = await ignition.deploy(LockModule, {
      parameters: { LockModule: { unlockTime, lockedAmount: 2n * ONE_GWEI } },
      deploymentId: `devnode-${Date.now()}`,
    });
    expect(await lock.unlockTime()).to.equal(unlockTime);
    expect(await ethers.provider.getBalance(await lock.getAddress())).to.equal(2n * ONE_GWEI);
  });
});
