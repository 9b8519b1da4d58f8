"""Operations routes outside /v1: the dashboard page and the Prometheus /metrics."""
