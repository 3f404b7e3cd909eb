//! Extraction in order: the caller is authenticated before the request's
//! path, query or body is looked at, so a made-up token gets 401 whatever
//! else the request holds (actix runs a handler's extractors side by side,
//! and a bad body would otherwise answer first).

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use std::future::Future;
use std::pin::Pin;

/// `A` (the authentication), and only once it succeeded, `B` (the request's data).
pub struct Then<A, B>(pub A, pub B);

impl<A, B> FromRequest for Then<A, B>
where
    A: FromRequest + 'static,
    B: FromRequest + 'static,
    A::Error: Into<actix_web::Error>,
    B::Error: Into<actix_web::Error>,
{
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let first = A::extract(&req).await.map_err(Into::into)?;
            let second = B::from_request(&req, &mut payload).await.map_err(Into::into)?;
            Ok(Then(first, second))
        })
    }
}
