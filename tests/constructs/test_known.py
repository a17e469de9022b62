"""What Python keeps of a construct: each token and stack is asked of JavaScript once."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import Duration
from aws_cdk import aws_sns as sns

from bench.count import counting
from exosphere_constructs.known import (
    forget,
    made_once,
    name_known,
    path_in_stack,
    place,
    read_once,
    stack_of,
    token_parts,
)


def test_a_token_is_read_once(stack: cdk.Stack) -> None:
    topic = sns.Topic(stack, "Topic")
    with counting() as counter:
        first = read_once(topic, "topic_arn")
        again = read_once(topic, "topic_arn")

    assert first == again == topic.topic_arn
    assert [r.target for r in counter.records] == ["get aws_sns.Topic.topicArn"]


def test_a_stack_is_known_from_where_a_construct_was_made(stack: cdk.Stack) -> None:
    topic = sns.Topic(stack, "Topic")
    with counting() as counter:
        place(topic, stack)
        assert stack_of(topic) is stack
        assert stack_of(stack) is stack

    assert counter.records == []


def test_a_read_that_is_no_string_is_refused(stack: cdk.Stack) -> None:
    topic = sns.Topic(stack, "Topic")
    with pytest.raises(TypeError, match=r"^Topic\.node is not a string: "):
        read_once(topic, "node")


def test_a_value_object_is_made_once_until_forgotten() -> None:
    @made_once
    def minute() -> Duration:
        return Duration.minutes(1)

    first = minute()
    assert minute() is first
    forget()
    assert minute() is not first


@pytest.mark.parametrize(
    ("in_stage", "stack_name", "known"),
    [(False, None, "app-web"), (False, "other-name", "other-name"), (True, None, None)],
)
def test_a_stack_name_is_known_as_cdk_gives_it(
    cdk_context: dict[str, object], in_stage: bool, stack_name: str | None, known: str | None
) -> None:
    app = cdk.App(context=cdk_context)
    scope = cdk.Stage(app, "Stage") if in_stage else app
    stack = cdk.Stack(scope, "app-web", stack_name=stack_name)
    name_known(stack, scope, "app-web", stack_name)
    with counting() as counter:
        name = read_once(stack, "stack_name")

    assert name == stack.stack_name  # CDK's own name for it
    # Known without asking, but in a stage (whose name CDK puts before the stack's).
    assert len(counter.records) == (0 if known else 1)
    assert known in (None, name)


def test_a_construct_placed_with_its_id_knows_its_path_in_the_stack(stack: cdk.Stack) -> None:
    outer = sns.Topic(stack, "Outer")
    place(outer, stack, "Outer")
    inner = cdk.CfnWaitConditionHandle(outer, "Inner")
    place(inner, outer, "Inner")
    with counting() as counter:
        assert path_in_stack(stack) == ()
        assert path_in_stack(inner) == ("Outer", "Inner")
    assert counter.records == []
    unplaced = cdk.CfnWaitConditionHandle(outer, "Unplaced")
    assert path_in_stack(unplaced) == ("Outer", "Unplaced")  # read from JavaScript


def test_a_text_is_cut_into_its_texts_and_its_string_tokens(stack: cdk.Stack) -> None:
    topic = sns.Topic(stack, "Topic")
    arn, name = topic.topic_arn, topic.topic_name
    text = f"{arn}{name}, in {cdk.Aws.REGION}: {arn}"

    assert token_parts(text) == [arn, name, ", in ", cdk.Aws.REGION, ": ", arn]
    assert "".join(token_parts(text)) == text
    assert token_parts("no token") == ["no token"]
    assert token_parts("") == []
    # Not CDK's string token (a key CDK cannot write): kept in its text.
    assert token_parts("${Token[a b]} ${Token[]}") == ["${Token[a b]} ${Token[]}"]
