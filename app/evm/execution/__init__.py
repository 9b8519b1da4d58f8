"""The py-evm seam: the chain class, genesis, block building, calls and rewinds (``pyevm``), py-evm's
key-value database over our SQL table (``state_store``), the ordered trie, keccak through C, revert-data
decoding, the records a mined block leaves behind (``mined``), read-only calls (``call_context``),
EIP-1186 state proofs (``proofs``), the EIP-2930 access-list runner (``accesslist``) and a receipt's gas
used under EIP-7623 where py-evm gets it wrong (``receipt_gas``).

May import ``app.evm.storage`` (the tables it persists to) and ``app.evm.errors``; never the node, the
JSON-RPC, the contract service or anything outside ``app.evm``."""
