"""A registry asset on our chain: its T-REX token is the book of record, the registry follows it.

consistency: the registry against the chain, asset by asset (``aurigraph check consistency`` and a periodic
task); repair: the corrective operations it prints for an operator, never applied."""
