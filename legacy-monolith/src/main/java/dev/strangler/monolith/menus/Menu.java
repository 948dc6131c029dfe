package dev.strangler.monolith.menus;

import java.math.BigDecimal;

/**
 * A menu as the API answers it and as orders price it.
 *
 * @param id the menu id
 * @param name the menu's name
 * @param price the unit price, scale 2
 * @param available whether it can be ordered now
 */
public record Menu(long id, String name, BigDecimal price, boolean available) {}
