from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

ITEMS = "/api/v1/items"


def create_item(client: TestClient, name: str = "Widget", price: str = "9.99") -> dict[str, Any]:
    response = client.post(ITEMS, json={"name": name, "price": price})
    assert response.status_code == 201, response.text
    item: dict[str, Any] = response.json()
    return item


def assert_error(body: dict[str, Any], code: str) -> dict[str, Any]:
    """Check the common error shape and return its `error` object."""
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert set(error) == {"code", "message", "details", "request_id"}
    assert error["code"] == code
    assert error["message"]
    return error


def test_create_returns_the_item_and_its_location(client: TestClient) -> None:
    response = client.post(
        ITEMS, json={"name": "  Widget  ", "description": "A widget", "price": "12.50"}
    )

    assert response.status_code == 201
    item = response.json()
    assert item["id"] >= 1
    assert item["name"] == "Widget"
    assert item["description"] == "A widget"
    assert item["price"] == "12.50"
    assert item["created_at"] == item["updated_at"]
    assert response.headers["location"] == f"http://testserver{ITEMS}/{item['id']}"
    assert client.get(response.headers["location"]).json() == item


def test_create_accepts_a_numeric_price_and_no_description(client: TestClient) -> None:
    response = client.post(ITEMS, json={"name": "Widget", "price": 3})

    assert response.status_code == 201
    assert response.json()["price"] == "3.00"
    assert response.json()["description"] is None


@pytest.mark.parametrize(
    ("sent", "answered"), [(3, "3.00"), ("1E+1", "10.00"), ("0.5", "0.50"), ("-0", "0.00")]
)
def test_a_price_always_has_two_decimal_places(
    client: TestClient, sent: object, answered: str
) -> None:
    created = client.post(ITEMS, json={"name": "Widget", "price": sent}).json()
    updated = client.patch(f"{ITEMS}/{created['id']}", json={"price": sent}).json()

    assert created["price"] == updated["price"] == answered
    assert client.get(f"{ITEMS}/{created['id']}").json()["price"] == answered


def test_names_and_descriptions_keep_any_unicode_text(client: TestClient) -> None:
    text = "Ωmega café 漢字 \U0001f600"
    created = client.post(ITEMS, json={"name": text, "description": text, "price": "1.00"})

    stored = client.get(f"{ITEMS}/{created.json()['id']}").json()
    assert (stored["name"], stored["description"]) == (text, text)


def test_names_differing_only_in_case_are_distinct(client: TestClient) -> None:
    create_item(client, "Widget")

    assert create_item(client, "widget")["name"] == "widget"


def test_create_with_a_taken_name_conflicts(client: TestClient) -> None:
    create_item(client, "Widget")

    response = client.post(ITEMS, json={"name": "Widget", "price": "1.00"})

    assert response.status_code == 409
    error = assert_error(response.json(), "conflict")
    assert error["message"] == "An item named 'Widget' already exists."
    assert error["details"] is None


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"price": "1.00"}, ["body", "name"]),
        ({"name": "", "price": "1.00"}, ["body", "name"]),
        ({"name": "   ", "price": "1.00"}, ["body", "name"]),
        ({"name": "x" * 101, "price": "1.00"}, ["body", "name"]),
        ({"name": "Wid\u0000get", "price": "1.00"}, ["body", "name"]),
        ({"name": "Widget", "description": "\u0000", "price": "1.00"}, ["body", "description"]),
        ({"name": "Widget", "description": "x" * 1001, "price": "1.00"}, ["body", "description"]),
        ({"name": "Widget"}, ["body", "price"]),
        ({"name": "Widget", "price": "-0.01"}, ["body", "price"]),
        ({"name": "Widget", "price": "1.001"}, ["body", "price"]),
        ({"name": "Widget", "price": "123456789.00"}, ["body", "price"]),
        ({"name": "Widget", "price": "NaN"}, ["body", "price"]),
        ({"name": "Widget", "price": "cheap"}, ["body", "price"]),
        ({"name": "Widget", "price": "1.00", "colour": "red"}, ["body", "colour"]),
    ],
)
def test_create_rejects_an_invalid_body(
    client: TestClient, body: dict[str, Any], loc: list[str]
) -> None:
    response = client.post(ITEMS, json=body)

    assert response.status_code == 422
    error = assert_error(response.json(), "validation_error")
    assert [detail["loc"] for detail in error["details"]] == [loc]
    for detail in error["details"]:
        assert set(detail) == {"loc", "msg", "type"}


def test_create_rejects_malformed_json(client: TestClient) -> None:
    response = client.post(
        ITEMS, content=b'{"name": "Widget",', headers={"content-type": "application/json"}
    )

    assert response.status_code == 422
    error = assert_error(response.json(), "validation_error")
    assert error["details"][0]["type"] == "json_invalid"


def test_list_is_empty_at_first(client: TestClient) -> None:
    response = client.get(ITEMS)

    assert response.status_code == 200
    assert response.json() == {"items": [], "total": 0, "limit": 20, "offset": 0}


def test_list_pages_through_items_in_id_order(client: TestClient) -> None:
    for name in ("a", "b", "c", "d", "e"):
        create_item(client, name)

    first = client.get(ITEMS, params={"limit": 2}).json()
    middle = client.get(ITEMS, params={"limit": 2, "offset": 2}).json()
    last = client.get(ITEMS, params={"limit": 2, "offset": 4}).json()
    beyond = client.get(ITEMS, params={"offset": 10}).json()

    assert [item["name"] for item in first["items"]] == ["a", "b"]
    assert [item["name"] for item in middle["items"]] == ["c", "d"]
    assert [item["name"] for item in last["items"]] == ["e"]
    assert beyond["items"] == []
    assert {page["total"] for page in (first, middle, last, beyond)} == {5}
    assert (middle["limit"], middle["offset"]) == (2, 2)


def test_list_accepts_the_largest_page(client: TestClient) -> None:
    response = client.get(ITEMS, params={"limit": 100})

    assert response.status_code == 200
    assert response.json()["limit"] == 100


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 101}, {"limit": "many"}, {"offset": -1}, {"offset": 2**31}],
)
def test_list_rejects_bad_pagination(client: TestClient, params: dict[str, Any]) -> None:
    response = client.get(ITEMS, params=params)

    assert response.status_code == 422
    error = assert_error(response.json(), "validation_error")
    assert error["details"][0]["loc"] == ["query", next(iter(params))]


def test_get_returns_the_item(client: TestClient) -> None:
    item = create_item(client)

    response = client.get(f"{ITEMS}/{item['id']}")

    assert response.status_code == 200
    assert response.json() == item


def test_get_an_unknown_item_is_not_found(client: TestClient) -> None:
    response = client.get(f"{ITEMS}/42")

    assert response.status_code == 404
    error = assert_error(response.json(), "not_found")
    assert error["message"] == "Item 42 does not exist."


def test_head_answers_as_get_does(client: TestClient) -> None:
    """HTTP asks every GET to take HEAD too: the same status and headers."""
    item = create_item(client)

    for path in (ITEMS, f"{ITEMS}/{item['id']}", f"{ITEMS}/42"):
        got, headed = client.get(path), client.head(path)
        assert headed.status_code == got.status_code, path
        assert headed.headers["content-type"] == got.headers["content-type"]
        assert headed.headers["content-length"] == got.headers["content-length"]


@pytest.mark.parametrize("item_id", ["0", "-1", "abc", "1.5", "2147483648", "9" * 30])
def test_get_rejects_a_bad_id(client: TestClient, item_id: str) -> None:
    response = client.get(f"{ITEMS}/{item_id}")

    assert response.status_code == 422
    error = assert_error(response.json(), "validation_error")
    assert error["details"][0]["loc"] == ["path", "item_id"]


def test_patch_changes_only_the_fields_sent(client: TestClient) -> None:
    item = create_item(client, "Widget", "9.99")

    response = client.patch(f"{ITEMS}/{item['id']}", json={"price": "19.99"})

    assert response.status_code == 200
    updated = response.json()
    assert updated["price"] == "19.99"
    assert updated["name"] == "Widget"
    assert updated["created_at"] == item["created_at"]
    assert datetime.fromisoformat(updated["updated_at"]) >= datetime.fromisoformat(
        item["updated_at"]
    )
    assert client.get(f"{ITEMS}/{item['id']}").json() == updated


def test_patch_renames_and_frees_the_old_name(client: TestClient) -> None:
    item = create_item(client, "Widget")

    response = client.patch(f"{ITEMS}/{item['id']}", json={"name": "Gadget"})

    assert response.status_code == 200
    assert response.json()["name"] == "Gadget"
    assert create_item(client, "Widget")["name"] == "Widget"


def test_patch_may_keep_the_same_name(client: TestClient) -> None:
    item = create_item(client, "Widget")

    response = client.patch(f"{ITEMS}/{item['id']}", json={"name": "Widget"})

    assert response.status_code == 200
    assert response.json()["name"] == "Widget"


def test_patch_clears_the_description_with_null(client: TestClient) -> None:
    item = client.post(ITEMS, json={"name": "Widget", "description": "Old", "price": 1}).json()

    response = client.patch(f"{ITEMS}/{item['id']}", json={"description": None})

    assert response.status_code == 200
    assert response.json()["description"] is None


def test_patch_with_nothing_to_change_returns_the_item(client: TestClient) -> None:
    item = create_item(client)

    response = client.patch(f"{ITEMS}/{item['id']}", json={})

    assert response.status_code == 200
    assert response.json() == item


def test_patch_to_a_taken_name_conflicts(client: TestClient) -> None:
    create_item(client, "Widget")
    gadget = create_item(client, "Gadget")

    response = client.patch(f"{ITEMS}/{gadget['id']}", json={"name": "Widget"})

    assert response.status_code == 409
    assert_error(response.json(), "conflict")
    assert client.get(f"{ITEMS}/{gadget['id']}").json()["name"] == "Gadget"


@pytest.mark.parametrize(
    "body", [{"name": None}, {"price": None}, {"name": ""}, {"price": "-1"}, {"size": 3}]
)
def test_patch_rejects_an_invalid_body(client: TestClient, body: dict[str, Any]) -> None:
    item = create_item(client)

    response = client.patch(f"{ITEMS}/{item['id']}", json=body)

    assert response.status_code == 422
    error = assert_error(response.json(), "validation_error")
    assert error["details"][0]["loc"] == ["body", next(iter(body))]


def test_patch_an_unknown_item_is_not_found(client: TestClient) -> None:
    response = client.patch(f"{ITEMS}/42", json={"price": "1.00"})

    assert response.status_code == 404
    assert_error(response.json(), "not_found")


def test_delete_removes_the_item_and_frees_its_name(client: TestClient) -> None:
    item = create_item(client, "Widget")

    response = client.delete(f"{ITEMS}/{item['id']}")

    assert response.status_code == 204
    assert response.content == b""
    assert client.get(f"{ITEMS}/{item['id']}").status_code == 404
    assert client.get(ITEMS).json()["total"] == 0
    assert create_item(client, "Widget")["id"] > item["id"]


def test_delete_an_unknown_item_is_not_found(client: TestClient) -> None:
    response = client.delete(f"{ITEMS}/42")

    assert response.status_code == 404
    assert_error(response.json(), "not_found")
