DROP TABLE search_status;
DROP TRIGGER search_documents_updated;
DROP TRIGGER search_documents_deleted;
DROP TRIGGER search_documents_inserted;
DROP TABLE search_fts;
DROP TABLE search_documents;
