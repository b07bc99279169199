"""Bulk data tools of the command line: export a table to a file and import one back, with progress.

Nothing here ships in the Lambda zip.
"""

from dynamodbmanager.datatools.export import ExportSummary, export_items
from dynamodbmanager.datatools.import_ import ApiTarget, DirectTarget, Importer, ImportSummary
from dynamodbmanager.datatools.progress import Progress

__all__ = ["ApiTarget", "DirectTarget", "ExportSummary", "ImportSummary", "Importer", "Progress", "export_items"]
