DROP TABLE review_checks;
