import pytest

pytestmark = pytest.mark.django_db


def test_administrator_role_opens_the_wagtail_admin(client_for, administrator):
    response = client_for(administrator).get("/admin/")
    assert response.status_code == 200


def test_customer_is_kept_out_of_the_wagtail_admin(client_for, customer):
    response = client_for(customer).get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_administrator_role_may_add_a_product_page(client_for, administrator):
    from forum.models import CategoryIndexPage

    index = CategoryIndexPage.objects.get()
    response = client_for(administrator).get(f"/admin/pages/add/forum/categorypage/{index.pk}/")
    assert response.status_code == 200
