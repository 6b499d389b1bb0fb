from django.urls import path, register_converter

from annotations import feeds
from annotations.views import citations, contribute, export, flags, reading, releases, resubmit, search, tei

app_name = "annotations"
register_converter(citations.FormatConverter, "citation_format")

urlpatterns = [
    # Reading: the edition and its permalinks.
    path("", reading.EditionView.as_view(), name="edition"),
    path("notes/<int:pk>/", reading.NoteView.as_view(), name="note"),
    path("corrections/<int:pk>/", reading.CorrectionView.as_view(), name="correction"),
    path("sources/", reading.SourcesView.as_view(), name="sources"),
    path("apparatus/", reading.ApparatusListView.as_view(), name="apparatus"),
    # Citations to take away: CSL-JSON (.json), BibTeX (.bib), RIS (.ris).
    path("sources.<citation_format:format>", citations.SourcesDownloadView.as_view(), name="sources_download"),
    path("edition.<citation_format:format>", citations.EditionDownloadView.as_view(), name="edition_download"),
    path("notes/<int:pk>/citation.<citation_format:format>", citations.NoteDownloadView.as_view(), name="note_download"),
    path(
        "corrections/<int:pk>/citation.<citation_format:format>",
        citations.CorrectionDownloadView.as_view(),
        name="correction_download",
    ),
    path("edition.tei.xml", tei.EditionTEIView.as_view(), name="edition_tei"),
    # Versions: the changelog and each release as it was, with its own permalinks, citations and files.
    path("versions/", releases.VersionsView.as_view(), name="versions"),
    path("v/<int:number>/", releases.ReleaseView.as_view(), name="release"),
    path("v/<int:number>/changes/", releases.ReleaseChangesView.as_view(), name="release_changes"),
    path("v/<int:number>/sources/", releases.ReleaseSourcesView.as_view(), name="release_sources"),
    path("v/<int:number>/notes/<int:pk>/", releases.ReleaseNoteView.as_view(), name="release_note"),
    path("v/<int:number>/corrections/<int:pk>/", releases.ReleaseCorrectionView.as_view(), name="release_correction"),
    path("v/<int:number>/edition.tei.xml", tei.ReleaseTEIView.as_view(), name="release_tei"),
    path(
        "v/<int:number>/edition.<citation_format:format>", citations.ReleaseEditionDownloadView.as_view(),
        name="release_edition_download",
    ),
    path(
        "v/<int:number>/notes/<int:pk>/citation.<citation_format:format>", citations.ReleaseNoteDownloadView.as_view(),
        name="release_note_download",
    ),
    path(
        "v/<int:number>/corrections/<int:pk>/citation.<citation_format:format>",
        citations.ReleaseCorrectionDownloadView.as_view(),
        name="release_correction_download",
    ),
    path("search/", search.SearchView.as_view(), name="search"),
    # Readers' flags on published items.
    path("notes/<int:pk>/flag/", flags.NoteFlagView.as_view(), name="note_flag"),
    path("corrections/<int:pk>/flag/", flags.CorrectionFlagView.as_view(), name="correction_flag"),
    # Contributing: from a paragraph (with or without a text selection), and one's own items.
    path("p/<str:anchor>/", contribute.ParagraphContributeView.as_view(), name="paragraph_contribute"),
    path("p/<str:anchor>/note/", contribute.NoteCreateView.as_view(), name="note_add"),
    path("p/<str:anchor>/correction/", contribute.CorrectionCreateView.as_view(), name="correction_add"),
    path("me/", contribute.MyContributionsView.as_view(), name="me"),
    path("me/<str:kind>/<int:pk>/edit/", contribute.ItemEditView.as_view(), name="item_edit"),
    path("me/<str:kind>/<int:pk>/withdraw/", contribute.ItemWithdrawView.as_view(), name="item_withdraw"),
    path("me/<str:kind>/<int:pk>/sources/add/", contribute.CitationAddView.as_view(), name="citation_add"),
    path("me/<str:kind>/<int:pk>/resubmit/", resubmit.ItemResubmitView.as_view(), name="item_resubmit"),
    # The apparatus as W3C Web Annotations (JSON-LD).
    path("annotations/", export.AnnotationContainerView.as_view(), name="w3c_collection"),
    path("annotations/note-<int:pk>/", export.NoteAnnotationView.as_view(), name="w3c_note"),
    path("annotations/correction-<int:pk>/", export.CorrectionAnnotationView.as_view(), name="w3c_correction"),
    # Feeds.
    path("feed/", feeds.EditionFeed(), name="feed"),
    path("feed/notes/", feeds.NoteFeed(), name="feed_notes"),
    path("feed/corrections/", feeds.CorrectionFeed(), name="feed_corrections"),
]
