from django.urls import path

from annotations.views import reading

app_name = "annotations"

urlpatterns = [
    path("", reading.EditionView.as_view(), name="edition"),
    path("notes/<int:pk>/", reading.NoteView.as_view(), name="note"),
    path("corrections/<int:pk>/", reading.CorrectionView.as_view(), name="correction"),
]
