--liquibase formatted sql

--changeset legacy-monolith:2-seed-menus
INSERT INTO menus (id, name, price, available) VALUES
  (1, 'Bulgogi Bowl', 12.50, true),
  (2, 'Kimchi Fried Rice', 10.00, true),
  (3, 'Fried Chicken', 18.00, true),
  (4, 'Tteokbokki', 8.50, true),
  (5, 'Japchae', 11.00, true),
  (6, 'Seasonal Special', 15.00, false);
-- explicit ids do not advance an identity: continue after the seeds
ALTER TABLE menus ALTER COLUMN id RESTART WITH 7;
