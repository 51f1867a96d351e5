"""The demo has a pending catalog update: LabSource's BMEcat winter catalog, awaiting frank's approval, with two
price increases flagged."""

from io import StringIO

from django.core.management import call_command

from catalogs.models import CatalogUpload
from catalogs.selectors import catalog_upload_lines


def test_the_demo_has_a_pending_labsource_update_with_two_flagged_increases(demo):
    call_command("seed_demo", stdout=StringIO())  # loaded again: one upload, not two

    upload = CatalogUpload.objects.get(supplier__code="LABSOURCE")
    assert (upload.status, upload.file_format, upload.uploaded_by.user.username) == ("validated", "bmecat", "frank")
    assert (upload.flagged_count, upload.changed_count, upload.new_count) == (2, 3, 1)
    assert (upload.removed_count, upload.error_lines) == (0, 0)
    assert [line.sku for line in catalog_upload_lines(upload=upload, kind="new")] == ["LS-CENT-MINI"]
