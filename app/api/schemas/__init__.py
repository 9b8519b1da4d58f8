"""Request and response bodies (pydantic): of the registry (`registry`, with the shared field types), of
collateral and alerts (`collateral`), of the chain's REST routes (`chain`)."""
