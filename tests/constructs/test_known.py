"""What Python keeps of a construct: each token and stack is asked of JavaScript once."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import Duration
from aws_cdk import aws_sns as sns

from bench.count import counting
from exosphere_constructs.known import forget, made_once, place, read_once, stack_of


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
