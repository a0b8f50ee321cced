"""A break of schema.graphql fails `.ci/run` unless BREAKING_CHANGES.md lists it."""

from scripts.breaking_changes import unlisted_breaks

OLD = """
type Query {
  title(id: ID!): Title
  oldField: String
  count: Int
}

type Title {
  name: String!
  year: Int
}
"""

NEW = """
type Query {
  title(id: ID!): Title
  search(text: String!): [Title!]!
  count: Int
}

type Title {
  name: String!
  year: String
}
"""


def test_additions_are_not_breaks() -> None:
    grown = OLD.replace("oldField: String", "oldField: String\n  newField: Int")
    assert unlisted_breaks(OLD, grown, "") == []


def test_a_removed_field_and_a_changed_type_are_breaks() -> None:
    breaks = unlisted_breaks(OLD, NEW, "")
    assert sorted(change.description for change in breaks) == [
        "Field Query.oldField was removed.",
        "Field Title.year changed type from Int to String.",
    ]


def test_a_break_listed_as_a_bullet_is_allowed_and_only_that_one() -> None:
    listed = "# Breaking changes\n\n- Field Query.oldField was removed.\n  Replaced by search.\n"
    breaks = unlisted_breaks(OLD, NEW, listed)
    assert [change.description for change in breaks] == [
        "Field Title.year changed type from Int to String."
    ]


def test_a_mention_outside_a_bullet_allows_nothing() -> None:
    listed = (
        "We removed Query.oldField was removed. in prose\n<!-- - Query.oldField was removed. -->"
    )
    assert len(unlisted_breaks(OLD, NEW, listed)) == 2
