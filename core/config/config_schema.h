/*
 * config_schema.h - the schema of config/trading_config.json, private to core/config/: every key
 * with its type, its place in tb_config, its range or allowed values (config_schema.c), read by
 * the one loader (config.c). A new key is a row in config_schema.c and a field in config.h.
 */
#ifndef TB_CONFIG_SCHEMA_H
#define TB_CONFIG_SCHEMA_H

#include "config/config.h"

#include <stddef.h>

typedef enum {
    CF_OBJ,
    CF_BOOL,
    CF_INT,
    CF_NUM,
    CF_STR,
    CF_ENUM,
    CF_STRLIST,
    CF_JSONOBJ,
    CF_LIST
} cf_type;

/* What a list of objects needs beyond its schema: defaults for a new element, and freeing. */
typedef struct cf_list_ops {
    void (*init)(void *elem);
    void (*free)(void *elem);
} cf_list_ops;

typedef struct cf_field {
    const char *key;
    cf_type type;
    size_t off;                      /* into the struct being filled */
    double min, max;                 /* CF_INT, CF_NUM; for CF_STR max length */
    const char *enums;               /* CF_ENUM: "a|b|c" */
    const struct cf_field *children; /* CF_OBJ (same base), CF_LIST (element schema) */
    size_t count_off;                /* CF_STRLIST, CF_LIST: offset of the int count */
    size_t elem_size;                /* CF_LIST */
    int required;                    /* in list elements */
    const cf_list_ops *ops;          /* CF_LIST */
} cf_field;

/* The root object's keys; objects nest through children. */
extern const cf_field cf_root_fields[];

/* Frees what one strategy entry holds (not the entry itself). */
void cf_strategy_free(void *elem);

/* Frees a list of n strings and the list. */
void cf_free_strlist(char **l, int n);

#endif
