--liquibase formatted sql

--changeset order-service:002-seed-menu-items
-- the monolith's menus (docs/api.md), same ids; cdc-sync keeps them in step later
INSERT INTO menu_items (id, name, price, available) VALUES
  (1, 'Bulgogi Bowl', 12.50, true),
  (2, 'Kimchi Fried Rice', 10.00, true),
  (3, 'Fried Chicken', 18.00, true),
  (4, 'Tteokbokki', 8.50, true),
  (5, 'Japchae', 11.00, true),
  (6, 'Seasonal Special', 15.00, false);
