"""Endpoint forms a newcomer writes: understood, or refused with a message that says what works."""

from __future__ import annotations

import pytest

from dstack_sdk import DstackClient
from dstack_sdk.errors import DstackError


def test_bare_host_port_is_http(simulator):
    assert simulator.http
    with_scheme = DstackClient(f"http://{simulator.http}").get_key("a", "p").key
    assert DstackClient(simulator.http).get_key("a", "p").key == with_scheme


def test_unix_url_is_the_socket(simulator):
    direct = DstackClient(simulator.dstack).get_key("a", "p").key
    assert DstackClient(f"unix://{simulator.dstack}").get_key("a", "p").key == direct
    assert DstackClient(f"unix:{simulator.dstack}").get_key("a", "p").key == direct


@pytest.mark.parametrize("endpoint", ["tcp://localhost:8090", "vsock://3:8000"])
def test_other_schemes_are_refused_with_the_forms_that_work(endpoint):
    # Refused when the client is made: the endpoint is parsed there.
    with pytest.raises(DstackError) as e:
        DstackClient(endpoint)
    assert isinstance(e.value, ValueError)
    text = str(e.value)
    assert endpoint in text
    assert "http://host:port" in text and "unix://" in text
