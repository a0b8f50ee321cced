"""What the service tells its operators: log lines, request ids, metrics, traces."""
