DROP TABLE search_status;
DROP TABLE search_documents;
