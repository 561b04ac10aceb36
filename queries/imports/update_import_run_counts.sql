-- Stores how many values an import actually changed, once they are written.
-- One row updated per import (the journal row of $id).
-- Parameters: $id (import id), $rows_changed.
UPDATE import_run SET rows_changed = $rows_changed WHERE id = $id;
