"""A tiny Celery app for tests/test_frameworks.py.

Broker and result backend are both the server under test; its URL comes from
SHOAL_CELERY_URL (the test sets it for itself and for the worker subprocess).
The worker is started from this directory with `-A celery_tasks`.
"""
import os

from celery import Celery

URL = os.environ.get("SHOAL_CELERY_URL", "redis://127.0.0.1:6379/0")

app = Celery("celery_tasks", broker=URL, backend=URL)
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    broker_connection_retry_on_startup=True,
    broker_connection_max_retries=3,
    result_expires=600,
    worker_hijack_root_logger=False,
    # Short socket timeouts: a server that stops answering fails the test
    # rather than hanging it.
    broker_transport_options={"socket_timeout": 30, "socket_connect_timeout": 10},
    redis_socket_timeout=30,
    redis_socket_connect_timeout=10,
)


@app.task
def add(x, y):
    return x + y


@app.task
def fail(message):
    raise ValueError(message)
