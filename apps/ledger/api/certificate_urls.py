"""Routes (placeholder until the views land)."""

urlpatterns = []
