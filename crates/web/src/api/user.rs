use super::Paging;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiUser, JsonBody};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;
use zhili_app::user::NewUserRequest;
use zhili_domain::{Paged, User};

/// A user account as the API shows it (the schema of `zhili_domain::User`; no password hash).
#[derive(ToSchema)]
#[schema(as = User)]
#[allow(dead_code)]
pub struct UserSchema {
    id: i64,
    username: String,
    display_name: String,
    /// 角色：system_admin、security_admin、auditor、leader、dispatcher、window_clerk、
    /// mediator、grid_worker、department_handler
    role: String,
    /// 所在节点代码
    node: String,
    disabled: bool,
    created_at_ms: i64,
}

#[derive(Deserialize, ToSchema)]
pub struct CreateUserRequest {
    username: String,
    /// 至少 12 位，含字母与数字
    password: String,
    role: String,
    /// 所在节点代码（区划、片区 `…-W01`、部门 `…-D01` 或调解组织 `…-M01`）
    node: String,
    display_name: Option<String>,
}

#[utoipa::path(
    post, path = "/api/v1/users", tag = "users", summary = "新建用户（安全管理员）",
    request_body = CreateUserRequest,
    responses(
        (status = 201, description = "已创建", body = UserSchema),
        (status = 403, description = "仅安全管理员可建用户", body = ErrorBody),
        (status = 409, description = "用户名已被占用", body = ErrorBody),
        (status = 422, description = "字段有误", body = ErrorBody),
    ),
)]
pub async fn create_user(
    State(s): State<AppState>,
    u: ApiUser,
    JsonBody(r): JsonBody<CreateUserRequest>,
) -> ApiResult<(StatusCode, Json<User>)> {
    let req = NewUserRequest {
        username: &r.username,
        password: &r.password,
        role: &r.role,
        node: &r.node,
        display_name: r.display_name.as_deref(),
    };
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_user(&u.actor, req).await?),
    ))
}

#[utoipa::path(
    get, path = "/api/v1/users", tag = "users", summary = "用户列表",
    params(Paging),
    responses(
        (status = 200, description = "一页用户", body = super::Paged<UserSchema>),
        (status = 403, description = "无权查看", body = ErrorBody),
    ),
)]
pub async fn list_users(
    State(s): State<AppState>,
    u: ApiUser,
    Query(p): Query<Paging>,
) -> ApiResult<Json<Paged<User>>> {
    Ok(Json(s.app.list_users(&u.actor, p.page()).await?))
}

#[utoipa::path(
    get, path = "/api/v1/users/{id}", tag = "users", summary = "一个用户",
    params(("id" = i64, Path, description = "用户 ID")),
    responses(
        (status = 200, description = "用户", body = UserSchema),
        (status = 404, description = "不存在或不在辖区内", body = ErrorBody),
    ),
)]
pub async fn get_user(
    State(s): State<AppState>,
    u: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<User>> {
    Ok(Json(s.app.user(&u.actor, id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct RoleRequest {
    role: String,
}

#[utoipa::path(
    put, path = "/api/v1/users/{id}/role", tag = "users", summary = "更改角色（安全管理员，不能改自己）",
    params(("id" = i64, Path, description = "用户 ID")),
    request_body = RoleRequest,
    responses(
        (status = 200, description = "已更改", body = UserSchema),
        (status = 403, description = "无权更改", body = ErrorBody),
        (status = 404, description = "不存在", body = ErrorBody),
        (status = 422, description = "角色有误或与节点不符", body = ErrorBody),
    ),
)]
pub async fn set_role(
    State(s): State<AppState>,
    u: ApiUser,
    Path(id): Path<i64>,
    JsonBody(r): JsonBody<RoleRequest>,
) -> ApiResult<Json<User>> {
    Ok(Json(s.app.set_role(&u.actor, id, &r.role).await?))
}
