"""The Redis cache backend (monitor/cache.py) reuses one redis-py client per connection pool."""

from monitor.cache import RedisCache


def test_each_operation_reuses_the_client_of_its_pool():
    cache = RedisCache("redis://127.0.0.1:1/0", {})  # never connected: no command is sent

    client = cache._cache.get_client("key", write=True)

    assert cache._cache.get_client("other") is client
    assert client.connection_pool is cache._cache._get_connection_pool(write=True)


def test_caches_of_different_servers_have_their_own_clients():
    one = RedisCache("redis://127.0.0.1:1/0", {})
    other = RedisCache("redis://127.0.0.1:2/0", {})

    assert one._cache.get_client() is not other._cache.get_client()
