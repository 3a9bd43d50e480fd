"""The queue and the fake SMS provider of ``test_queue``, for the other test modules too."""

from civicpoints.notifications.tests.test_queue import queue, tencent  # noqa: F401 - fixtures
