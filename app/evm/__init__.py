"""EVM execution: py-evm behind a persisted chain and the Ethereum JSON-RPC."""
