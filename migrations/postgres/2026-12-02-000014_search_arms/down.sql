ALTER INDEX search_documents_terms RESET (fastupdate);
DROP INDEX search_documents_catalogue_terms;
ALTER TABLE search_documents DROP COLUMN catalogue;
