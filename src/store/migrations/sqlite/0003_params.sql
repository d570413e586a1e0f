-- A registration's profile parameters besides the ownership token (which keeps its column), as
-- a JSON object of strings.
ALTER TABLE domains ADD COLUMN params TEXT NOT NULL DEFAULT '{}';
