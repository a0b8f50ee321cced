"""The Relay `Node` interface: every object with a global id."""

import strawberry


@strawberry.interface(description="An object with a globally unique, opaque ID.")
class Node:
    id: strawberry.ID
