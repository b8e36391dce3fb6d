-- Several nodes on shared storage: the node writing an upload holds a short lease on it, so a
-- second node never writes the same upload at the same time (renewed while bytes arrive).
ALTER TABLE uploads ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0;
