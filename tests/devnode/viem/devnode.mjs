// A viem test client against `aurigraph serve` (AURIGRAPH_URL): impersonateAccount, increaseTime, mine and
// watchPendingTransactions (over HTTP filters and over a WebSocket subscription). Exits non-zero on the
// first failed check; prints one JSON line of what it saw.
import assert from "node:assert/strict";
import { createPublicClient, createTestClient, createWalletClient, http, parseEther, webSocket } from "viem";
import { foundry } from "viem/chains";

const url = process.env.AURIGRAPH_URL ?? "http://127.0.0.1:8545";
const chain = foundry; // chain id 31337, as our dev node
const testClient = createTestClient({ chain, mode: "anvil", transport: http(url) });
const publicClient = createPublicClient({ chain, transport: http(url), pollingInterval: 100 });
const wsClient = createPublicClient({ chain, transport: webSocket(url.replace(/^http/, "ws")) });
const whale = "0x000000000000000000000000000000000000dEaD";
const to = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const seen = {};

// impersonation: a transaction from an address whose key nobody has
await testClient.impersonateAccount({ address: whale });
await testClient.setBalance({ address: whale, value: parseEther("10") });
const wallet = createWalletClient({ account: whale, chain, transport: http(url) });
const hash = await wallet.sendTransaction({ to, value: 1234n });
const receipt = await publicClient.waitForTransactionReceipt({ hash });
assert.equal(receipt.status, "success");
assert.equal(receipt.from.toLowerCase(), whale.toLowerCase());
assert.equal((await publicClient.getTransaction({ hash })).from.toLowerCase(), whale.toLowerCase());
await testClient.stopImpersonatingAccount({ address: whale });
await assert.rejects(wallet.sendTransaction({ to, value: 1n }));
seen.impersonated = receipt.from;

// time travel: exactly the seconds asked, however many blocks came before
await testClient.mine({ blocks: 10 });
const before = (await publicClient.getBlock()).timestamp;
const started = Date.now();
await testClient.increaseTime({ seconds: 3601 });
await testClient.mine({ blocks: 1 });
const passed = BigInt(Math.ceil((Date.now() - started) / 1000)); // the wall time that really passed
const moved = (await publicClient.getBlock()).timestamp - before;
assert.ok(moved >= 3601n && moved <= 3602n + passed, `moved ${moved}`);
seen.moved = Number(moved);

// mine
const start = await publicClient.getBlockNumber({ cacheTime: 0 });
await testClient.mine({ blocks: 5 });
assert.equal(await publicClient.getBlockNumber({ cacheTime: 0 }), start + 5n);

// pending transactions, polled (eth_newPendingTransactionFilter) and subscribed (newPendingTransactions)
const polled = [];
const pushed = [];
const unwatchPoll = publicClient.watchPendingTransactions({ poll: true, onTransactions: (h) => polled.push(...h) });
const unwatchPush = wsClient.watchPendingTransactions({ onTransactions: (h) => pushed.push(...h) });
await new Promise((r) => setTimeout(r, 500));
const dev = createWalletClient({ account: (await testClient.request({ method: "eth_accounts" }))[0], chain, transport: http(url) });
const pending = await dev.sendTransaction({ to, value: 1n });
const deadline = Date.now() + 10_000;
while ((!polled.includes(pending) || !pushed.includes(pending)) && Date.now() < deadline) {
  await new Promise((r) => setTimeout(r, 100));
}
unwatchPoll();
unwatchPush();
assert.ok(polled.includes(pending), "the polled filter saw the transaction");
assert.ok(pushed.includes(pending), "the subscription saw the transaction");
seen.pending = pending;

console.log(JSON.stringify({ ok: true, ...seen }));
process.exit(0);
