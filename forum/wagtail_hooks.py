from wagtail import hooks


@hooks.register("before_serve_page")
def remember_served_page(page, request, serve_args, serve_kwargs):
    """Tell the page cache which page a path routed to (``forum.views.serve_wagtail_page``)."""
    request.forum_served_page = page
