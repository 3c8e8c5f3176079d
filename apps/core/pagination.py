"""Pages of lists: `?limit=&offset=`, 50 by default."""

from rest_framework.pagination import LimitOffsetPagination

# The most rows one page may ask for; a larger `limit` gets this many (and a `next` link). Unbounded,
# `?limit=10**30` reached the database as an integer it cannot hold (a 500). The web UI asks for
# at most 200.
MAX_PAGE_SIZE = 500


class Pagination(LimitOffsetPagination):
    max_limit = MAX_PAGE_SIZE
