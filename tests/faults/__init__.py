"""Fault injection: the service against a database that goes away."""
