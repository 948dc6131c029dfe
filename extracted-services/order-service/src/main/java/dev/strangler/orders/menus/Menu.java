package dev.strangler.orders.menus;

import java.math.BigDecimal;

/**
 * A menu as clients see it and as orders price it.
 *
 * @param id the menu id (the monolith's id: this table is a read model of its {@code menus})
 * @param name display name
 * @param price unit price, scale 2
 * @param available whether it can be ordered now
 */
public record Menu(long id, String name, BigDecimal price, boolean available) {}
