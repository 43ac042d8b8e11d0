DROP TABLE measures;
DROP TABLE fields;
DROP TABLE priority_goals;
DROP TABLE vision_statements;
DROP TABLE concepts;
