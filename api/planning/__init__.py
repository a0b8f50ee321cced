"""Reads planned into SQL: each field is defined once (api/planning/fields.py), and
that definition both plans a whole document into one statement (planner.py, run by
plans.py) and resolves the field through strawberry (reference.py) for mutation
payloads, errors and the equivalence tests."""
