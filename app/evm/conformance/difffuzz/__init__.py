"""Differential fuzzing against a reference node (anvil ``--hardfork prague``): random but well-formed EVM
programs and transactions run on both nodes from the same genesis, and every difference in status, gas used,
return data, logs or the touched accounts' state is minimized and kept as a JSON case.

``program`` (fragments and the assembler), ``generator`` (seeded random cases biased toward interesting
sequences), ``case`` (the case, its JSON form and its transactions), ``observe`` (run a case on a node and
record what it answered), ``compare`` (two observations, their differences), ``minimize`` (shrink a case
while a divergence persists), ``fuzz`` (the time-bounded loop) and ``replay`` (a stored case against a node).

Nodes are JSON-RPC callables (``Node``): an HTTP URL for anvil, our dispatcher in process for ours (built by
the caller: this package never imports the JSON-RPC). May import ``app.evm.node.genesis.accounts`` and
``app.evm.errors``; nothing else of the service."""
