import uuid

from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.http import JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

SCHEMA = ("CREATE TABLE IF NOT EXISTS intake (id INTEGER PRIMARY KEY, description TEXT NOT NULL, "
          "photo TEXT NOT NULL, created TEXT NOT NULL)")


@csrf_exempt
def intake(request):
    photo = default_storage.save(f"{uuid.uuid4().hex}.jpg", request.FILES["media"])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO intake (description, photo, created) VALUES (%s, %s, %s)",
                       [request.POST["description"], photo, timezone.now().isoformat()])
        row_id = cursor.lastrowid
    return JsonResponse([{"service_request_id": str(row_id)}], safe=False, status=201)


urlpatterns = [path("intake", intake)]
