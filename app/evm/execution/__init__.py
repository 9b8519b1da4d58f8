"""The py-evm seam: the chain class, genesis, block building, calls and rewinds (``pyevm``), py-evm's
key-value database over our SQL table (``state_store``), the ordered trie, keccak through C, revert-data
decoding, and the records a mined block leaves behind (``mined``).

May import ``app.evm.storage`` (the tables it persists to) and ``app.evm.errors``; never the node, the
JSON-RPC, the contract service or anything outside ``app.evm``."""
