-- A staged copy of a job that is gone has been deleted from the disk.
DELETE FROM staged_removal WHERE path = ?1;
